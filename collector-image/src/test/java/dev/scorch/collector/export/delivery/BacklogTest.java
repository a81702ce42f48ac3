package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The profile queued as the next to send is sent from memory, not read back from the spool file
 * just written; every other one, and a retry, is read from its file.
 */
class BacklogTest {

    @TempDir
    Path spoolRoot;

    private Backlog backlog() {
        Backlog backlog = new Backlog("otel", new DeliverySettings(spoolRoot, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC()));
        backlog.recover();
        return backlog;
    }

    @Test
    void theProfileQueuedNextIsLoadedFromMemoryWithoutReadingItsSpoolFile() throws IOException {
        Backlog backlog = backlog();
        ExportedProfile offered = numbered(1, 500);
        backlog.add(offered);
        overwriteSpoolFiles();

        assertThat(backlog.load(backlog.next())).isSameAs(offered);
        assertThat(backlog.dropped()).isEmpty();
    }

    @Test
    void aRetryOfTheProfileLoadedFromMemoryReadsItsSpoolFile() throws IOException {
        Backlog backlog = backlog();
        ExportedProfile offered = numbered(1, 500);
        backlog.add(offered);
        Backlog.Item item = backlog.next();
        backlog.load(item);

        ExportedProfile reread = backlog.load(item);

        assertThat(reread).isNotSameAs(offered);
        assertThat(reread.payload()).isEqualTo(offered.payload());
        assertThat(reread.labels()).isEqualTo(offered.labels());
    }

    @Test
    void aProfileQueuedBehindAnotherIsReadFromItsSpoolFileSoAtMostOneIsHeldInMemory() throws IOException {
        Backlog backlog = backlog();
        backlog.add(numbered(1, 500));
        backlog.add(numbered(2, 500));
        Backlog.Item first = backlog.next();
        backlog.load(first);
        backlog.settle(first, null);
        overwriteSpoolFiles();

        assertThat(backlog.load(backlog.next())).isNull();
        assertThat(backlog.dropped()).containsEntry("corrupt-spool-file", 1L);
    }

    /** Garbles every spool file left, so a profile that can still be loaded came from memory. */
    private void overwriteSpoolFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(spoolRoot.resolve("otel"))) {
            files = listing.toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            byte[] garbled = Files.readAllBytes(file);
            garbled[garbled.length / 2] ^= 0x5a;
            Files.write(file, garbled);
        }
    }
}
