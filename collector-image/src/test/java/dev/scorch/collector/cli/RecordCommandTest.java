package dev.scorch.collector.cli;

import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RecordCommandTest {

    private static final Path GO = Path.of("/usr/local/go/bin/go");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int main(String... args) {
        return new Main(Main.COMMANDS).run(List.of(args), new PrintStream(out, true), new PrintStream(err, true));
    }

    @Test
    void recordOfOneProcessWritesAProfileGoToolPprofReadsWithItsFunctionsNamed() throws Exception {
        Tier.REAL_KERNEL.require(SamplingPreflight.ofThisHost().check(false).stream().noneMatch(f -> f.problem().fatal()),
                "record needs CPU-wide perf events: run the tests as root");
        Tier.REAL_KERNEL.require(Files.isExecutable(GO), "go tool pprof reads the profile: Go is expected at " + GO);
        Process workload = new ProcessBuilder(CWorkloads.compile("split").toString(), "30").start();
        Path profile = dir.resolve("profile.pb.gz");
        Path flamegraph = dir.resolve("flame.html");
        try {
            int status = main("record", "--duration", "3s", "--frequency", "499", "--pid", Long.toString(workload.pid()),
                    "--output", profile.toString(), "--flamegraph", flamegraph.toString());

            assertThat(status).as(err.toString()).isZero();
        } finally {
            workload.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Process pprof = new ProcessBuilder(GO.toString(), "tool", "pprof", "-top", profile.toString()).redirectErrorStream(true).start();
        String top = new String(pprof.getInputStream().readAllBytes());
        assertThat(pprof.waitFor()).as(top).isZero();
        assertThat(top).contains("scorch_hot", "scorch_cold", "Type: cpu");
        assertThat(err.toString()).contains("wrote " + profile, "0 lost", "wrote " + flamegraph);
        assertThat(Files.readString(flamegraph)).contains("<html", "scorch_hot");
    }

    @Test
    void unknownOptionIsAUsageErrorNamingIt() {
        assertThat(main("record", "--frequncy", "99")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("unknown option --frequncy", "usage: scorch-collector record");
    }

    @Test
    void frequencyOutOfRangeIsAUsageError() {
        assertThat(main("record", "--frequency", "5000")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--frequency must be between 1 and 1000, was 5000");
    }

    @Test
    void badDurationIsAUsageError() {
        assertThat(main("record", "--duration", "soon")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--duration must be a duration such as 30s");
    }

    @Test
    void unknownCommandListsTheCommands() {
        assertThat(main("recrod")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("unknown command 'recrod'", "record");
    }
}
