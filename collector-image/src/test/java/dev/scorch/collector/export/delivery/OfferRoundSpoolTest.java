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
 * The profiles of one round (every policy's backends at one interval end) that must be spooled
 * (their backend is behind: a profile is already queued) are written when offered and queued when
 * the round commits, once every one of them is forced and named.
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
    void aRoundsSpooledProfilesAreAllDurableBeforeAnyIsQueued() throws IOException {
        Backlog otel = backlog("otel");
        Backlog grafana = backlog("grafana");
        otel.add(numbered(0, 500));
        grafana.add(numbered(0, 500));
        long otelBefore = otel.queuedBytes();
        long grafanaBefore = grafana.queuedBytes();
        OfferRound round = new OfferRound();
        otel.add(numbered(1, 500), round);
        grafana.add(numbered(2, 500), round);
        otel.add(numbered(3, 500), round);

        assertThat(otel.queuedBytes()).isEqualTo(otelBefore);
        assertThat(grafana.queuedBytes()).isEqualTo(grafanaBefore);
        // Each backend's profile 0, still in memory, is spooled in the round ahead of the ones behind it.
        assertThat(names("otel")).allMatch(name -> name.endsWith(".prof.tmp")).hasSize(3);
        assertThat(names("grafana")).allMatch(name -> name.endsWith(".prof.tmp")).hasSize(2);

        round.commit();

        assertThat(names("otel")).allMatch(name -> name.endsWith(".prof")).hasSize(3);
        assertThat(names("grafana")).allMatch(name -> name.endsWith(".prof")).hasSize(2);
        assertThat(otel.queuedBytes()).isGreaterThan(otelBefore);
        otel.settle(otel.next(), null);
        grafana.settle(grafana.next(), null);
        assertThat(otel.load(otel.next()).labels()).containsEntry("seq", "1");
        assertThat(grafana.load(grafana.next()).labels()).containsEntry("seq", "2");
    }

    @Test
    void aCrashBetweenWriteAndCommitLosesNothingAlreadySpooled() throws IOException {
        Backlog before = backlog("otel");
        ExportedProfile sentFirst = numbered(0, 500);
        before.add(sentFirst);
        ExportedProfile spooled = numbered(1, 500);
        before.add(spooled);
        before.add(numbered(2, 500), new OfferRound());

        // The process dies with the last round uncommitted: the next start finds what the earlier ones spooled,
        // the profile that was being sent from memory included (the second offer spooled it ahead of itself).
        Backlog after = backlog("otel");

        QueuedProfile first = after.next();
        assertThat(after.load(first).id()).isEqualTo(sentFirst.id());
        after.settle(first, null);
        ExportedProfile recovered = after.load(after.next());
        assertThat(recovered.id()).isEqualTo(spooled.id());
        assertThat(recovered.payload()).isEqualTo(spooled.payload());
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
            QueuedProfile item = otel.next();
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
