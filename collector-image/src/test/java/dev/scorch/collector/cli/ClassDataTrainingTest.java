package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data training reaches the sampling path without perf access: the ring it writes for its
 * own process goes through the collector's decoder, unwinder and symbolizer into profiles that every
 * backend of its policy takes. If it stopped doing so, the image's archive would silently miss those
 * classes and the collector would load them into metaspace at run time.
 */
class ClassDataTrainingTest {

    @TempDir
    Path dir;

    @Test
    void samplingPathWritesProfilesOfTheJvmsOwnBinariesToTheDirectoryBackend() throws Exception {
        TrainingSink sink = TrainingSink.start();
        Path config = dir.resolve("collector.json");
        Files.writeString(config, ClassDataTraining.config(dir, sink.port()));

        ClassDataTraining.samplingPath(config, Duration.ofMillis(300));

        List<Path> profiles = profiles(dir.resolve("profiles"));
        assertThat(profiles).hasSize(2);
        assertThat(gunzipped(profiles.getFirst())).contains("libjvm.so");
    }

    private static List<Path> profiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".pb.gz")).sorted().toList();
        }
    }

    private static String gunzipped(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
