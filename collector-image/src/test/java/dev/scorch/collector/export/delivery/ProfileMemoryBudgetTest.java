package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Profiles held only in memory, because spools cannot be written, are bounded once for the whole
 * collector, whatever the number of policies and backends.
 */
class ProfileMemoryBudgetTest {

    /** What one 1,000-byte profile counts against the budget (its payload and a fixed 256 for the rest). */
    private static final long HELD = 1_000 + 256;

    @TempDir
    Path dir;

    private Path unwritableSpool;

    @BeforeEach
    void spoolRootIsAFile() throws IOException {
        unwritableSpool = Files.writeString(dir.resolve("spool"), "not a directory");
    }

    private Backlog backlog(String backend, ProfileMemoryBudget budget) {
        Backlog backlog = new Backlog(backend, new DeliverySettings(unwritableSpool, 1 << 20, budget,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC()));
        backlog.recover();
        return backlog;
    }

    @Test
    void twentyPoliciesBackendsWithUnwritableSpoolsTogetherHoldNoMoreThanTheNodesMemoryBudget() {
        var budget = new ProfileMemoryBudget(50 * HELD);
        List<Backlog> backends = new ArrayList<>();
        for (int policy = 0; policy < 20; policy++) {
            backends.add(backlog("team-" + policy + "-otel", budget));
            backends.add(backlog("team-" + policy + "-grafana", budget));
        }

        for (int round = 0; round < 10; round++) {
            for (Backlog backend : backends) {
                backend.add(numbered(round, 1_000));
            }
        }

        long held = backends.stream().mapToLong(Backlog::queuedBytes).sum();
        long dropped = backends.stream().mapToLong(b -> b.dropped().getOrDefault("memory-full", 0L)).sum();
        assertThat(held).isEqualTo(budget.heldBytes()).isLessThanOrEqualTo(50 * HELD);
        assertThat(dropped).isEqualTo(400 - 50);
    }

    @Test
    void theOldestInMemoryProfileAcrossBackendsIsDroppedFirstAndCountedForItsOwnBackend() {
        var budget = new ProfileMemoryBudget(2 * HELD);
        Backlog otel = backlog("otel", budget);
        Backlog grafana = backlog("grafana", budget);
        ExportedProfile oldest = numbered(1, 1_000);
        otel.add(oldest);
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).containsExactlyEntriesOf(java.util.Map.of("memory-full", 1L));
        assertThat(otel.queuedBytes()).isZero();
        assertThat(grafana.dropped()).isEmpty();
        assertThat(grafana.queuedBytes()).isEqualTo(2 * HELD);
    }

    @Test
    void aProfileBeingSentIsNotDroppedAndTheNextOldestGoesInstead() {
        var budget = new ProfileMemoryBudget(2 * HELD);
        Backlog otel = backlog("otel", budget);
        Backlog grafana = backlog("grafana", budget);
        otel.add(numbered(1, 1_000));
        Backlog.Item sending = otel.next();
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).isEmpty();
        assertThat(otel.load(sending).labels()).containsEntry("seq", "1");
        assertThat(grafana.dropped()).containsEntry("memory-full", 1L);
    }

    @Test
    void aProfileWaitingForARetryIsNoLongerBeingSentSoTheBudgetMayDropIt() {
        var budget = new ProfileMemoryBudget(2 * HELD);
        Backlog otel = backlog("otel", budget);
        Backlog grafana = backlog("grafana", budget);
        otel.add(numbered(1, 1_000));
        otel.next();
        otel.pause(Duration.ZERO);
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).containsEntry("memory-full", 1L);
        assertThat(grafana.dropped()).isEmpty();
    }

    @Test
    void profilesSentOrClosedNoLongerCountAgainstTheBudget() {
        var budget = new ProfileMemoryBudget(10 * HELD);
        Backlog otel = backlog("otel", budget);
        Backlog grafana = backlog("grafana", budget);
        otel.add(numbered(1, 1_000));
        grafana.add(numbered(2, 1_000));
        grafana.add(numbered(3, 1_000));

        otel.settle(otel.next(), null);
        grafana.close();

        assertThat(budget.heldBytes()).isZero();
        assertThat(grafana.dropped()).containsEntry("closed", 2L);
    }
}
