package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
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
 * The profiles of one round (every policy's backends at one interval end) are written when offered
 * and queued when the round commits, once every one of them is forced and named.
 */
class OfferRoundSpoolTest {

    @TempDir
    Path spoolRoot;

    private Backlog backlog(String backend) {
        Backlog backlog = new Backlog(backend, new DeliverySettings(spoolRoot, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC()));
        backlog.recover();
        return backlog;
    }

    @Test
    void aRoundsProfilesAreAllDurableBeforeAnyIsQueued() throws IOException {
        Backlog otel = backlog("otel");
        Backlog grafana = backlog("grafana");
        OfferRound round = new OfferRound();
        otel.add(numbered(1, 500), round);
        grafana.add(numbered(2, 500), round);
        otel.add(numbered(3, 500), round);

        assertThat(otel.queuedBytes()).isZero();
        assertThat(grafana.queuedBytes()).isZero();
        assertThat(names("otel")).allMatch(name -> name.endsWith(".prof.tmp")).hasSize(2);
        assertThat(names("grafana")).allMatch(name -> name.endsWith(".prof.tmp")).hasSize(1);

        round.commit();

        assertThat(names("otel")).allMatch(name -> name.endsWith(".prof")).hasSize(2);
        assertThat(names("grafana")).allMatch(name -> name.endsWith(".prof")).hasSize(1);
        assertThat(otel.queuedBytes()).isPositive();
        assertThat(otel.load(otel.next()).labels()).containsEntry("seq", "1");
        assertThat(grafana.load(grafana.next()).labels()).containsEntry("seq", "2");
    }

    @Test
    void aCrashBetweenWriteAndCommitLosesNothingAlreadyQueued() throws IOException {
        Backlog before = backlog("otel");
        ExportedProfile queued = numbered(1, 500);
        before.add(queued);
        before.add(numbered(2, 500), new OfferRound());

        // The process dies with the second round uncommitted: the next start finds what the first left.
        Backlog after = backlog("otel");

        ExportedProfile recovered = after.load(after.next());
        assertThat(recovered.id()).isEqualTo(queued.id());
        assertThat(recovered.payload()).isEqualTo(queued.payload());
        assertThat(after.queuedBytes()).isEqualTo(before.queuedBytes());
        assertThat(after.dropped()).containsEntry("partial-write", 1L);
        assertThat(names("otel")).noneMatch(name -> name.endsWith(".tmp"));
    }

    @Test
    void aRoundQueuesEachBackendsProfilesInTheOrderOffered() {
        Backlog otel = backlog("otel");
        OfferRound round = new OfferRound();
        for (int i = 1; i <= 3; i++) {
            otel.add(numbered(i, 100), round);
        }
        round.commit();

        for (int i = 1; i <= 3; i++) {
            Backlog.Item item = otel.next();
            assertThat(otel.load(item).labels()).containsEntry("seq", Integer.toString(i));
            otel.settle(item, null);
        }
    }

    private List<String> names(String backend) throws IOException {
        try (Stream<Path> listing = Files.list(spoolRoot.resolve(backend))) {
            return listing.map(path -> path.getFileName().toString()).toList();
        }
    }
}
