package dev.scorch.collector.export.directory;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryExporterTest {

    @TempDir
    Path dir;

    @Test
    void writesOneFilePerProfileUnderTheServiceNamedByStartAndId() throws IOException {
        var exporter = new DirectoryExporter("local", new DirectoryExporter.Settings(dir, Duration.ofHours(24), 1 << 20), Clock.systemUTC());
        var profile = numbered(3, 64);
        exporter.offer(profile);

        Path expected = dir.resolve("shop_api").resolve("20261121T220003Z-" + profile.id() + ".pb.gz");
        assertThat(Files.readAllBytes(expected)).isEqualTo(profile.payload());
        assertThat(exporter.health().sent()).isEqualTo(1);
        assertThat(exporter.health().lastSuccess()).isNotNull();
    }

    @Test
    void aServiceDirectoryRemovedWhileTheExporterRunsIsCreatedAgainForTheNextProfile() throws IOException {
        var exporter = new DirectoryExporter("local", new DirectoryExporter.Settings(dir, Duration.ofHours(24), 1 << 20), Clock.systemUTC());
        exporter.offer(numbered(1, 64));
        for (Path file : files()) {
            Files.delete(file);
        }
        Files.delete(dir.resolve("shop_api"));

        exporter.offer(numbered(2, 64));

        assertThat(files()).hasSize(1);
        assertThat(exporter.health().sent()).isEqualTo(2);
        assertThat(exporter.health().dropped()).isEmpty();
    }

    @Test
    void removesTheOldestFilesWhenTheByteBoundIsExceeded() throws IOException {
        var exporter = new DirectoryExporter("local", new DirectoryExporter.Settings(dir, Duration.ofHours(24), 1000), Clock.systemUTC());
        for (int i = 0; i < 5; i++) {
            exporter.offer(numbered(i, 300));
        }
        assertThat(files()).hasSize(3);
        assertThat(exporter.rotatedFiles()).isEqualTo(2);
        assertThat(exporter.health().dropped()).isEmpty();
    }

    @Test
    void removesFilesOlderThanTheRetentionIncludingThoseOfAPreviousRun() throws IOException {
        var settings = new DirectoryExporter.Settings(dir, Duration.ofHours(2), 1 << 20);
        var earlier = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
        new DirectoryExporter("local", settings, earlier).offer(numbered(1, 100));
        Path old = files().getFirst();
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(earlier.instant()));

        var later = Clock.fixed(Instant.parse("2026-11-21T13:00:00Z"), ZoneOffset.UTC);
        var restarted = new DirectoryExporter("local", settings, later);
        assertThat(Files.exists(old)).isFalse();
        restarted.offer(numbered(2, 100));
        assertThat(files()).hasSize(1);
    }

    @Test
    void countsAFailedWriteAndReportsItWithoutThrowing() throws IOException {
        Path blocker = dir.resolve("blocked");
        Files.writeString(blocker, "a file where the directory should be");
        var exporter = new DirectoryExporter("local", new DirectoryExporter.Settings(blocker, Duration.ofHours(1), 1 << 20), Clock.systemUTC());
        exporter.offer(numbered(1, 10));
        assertThat(exporter.health().dropped()).containsEntry("write-failed", 1L);
        assertThat(exporter.health().lastError()).contains(blocker.toString());
    }

    @Test
    void keepsHostileServiceNamesInsideTheDirectory() {
        assertThat(DirectoryExporter.safeName("../../etc")).isEqualTo("_.._.._etc");
        assertThat(DirectoryExporter.safeName("shop/api")).isEqualTo("shop_api");
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".pb.gz")).sorted().toList();
        }
    }
}
