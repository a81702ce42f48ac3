package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static dev.scorch.collector.export.delivery.NodeBacklogs.held;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Profiles held only in memory, because spools cannot be written, are bounded once for the whole
 * collector, whatever the number of policies and backends.
 */
class ProfileMemoryBudgetTest {

    /** What one 1,000-byte profile counts against the budget. */
    private static final long HELD = held(1_000);

    @TempDir
    Path dir;

    private Backlog otel;
    private Backlog grafana;

    /** Two backends, {@code otel} and {@code grafana}, whose spools cannot be written, sharing a budget of {@code bytes}. */
    private NodeBacklogs disklessOtelAndGrafana(long bytes) throws IOException {
        NodeBacklogs node = new NodeBacklogs(dir, bytes);
        otel = node.diskless("otel");
        grafana = node.diskless("grafana");
        return node;
    }

    @Test
    void twentyPoliciesBackendsWithUnwritableSpoolsTogetherHoldNoMoreThanTheNodesMemoryBudget() throws IOException {
        NodeBacklogs node = new NodeBacklogs(dir, 50 * HELD);
        List<Backlog> backends = new ArrayList<>();
        for (int policy = 0; policy < 20; policy++) {
            backends.add(node.diskless("team-" + policy + "-otel"));
            backends.add(node.diskless("team-" + policy + "-grafana"));
        }

        for (int round = 0; round < 10; round++) {
            for (Backlog backend : backends) {
                backend.add(numbered(round, 1_000));
            }
        }

        long held = backends.stream().mapToLong(Backlog::queuedBytes).sum();
        long dropped = backends.stream().mapToLong(b -> b.dropped().getOrDefault("memory-full", 0L)).sum();
        assertThat(held).isEqualTo(node.memory.heldBytes()).isLessThanOrEqualTo(50 * HELD);
        assertThat(dropped).isEqualTo(400 - 50);
    }

    @Test
    void theOldestInMemoryProfileAcrossBackendsIsDroppedFirstAndCountedForItsOwnBackend() throws IOException {
        disklessOtelAndGrafana(2 * HELD);
        otel.add(numbered(1, 1_000));
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).containsExactlyEntriesOf(Map.of("memory-full", 1L));
        assertThat(otel.queuedBytes()).isZero();
        assertThat(grafana.dropped()).isEmpty();
        assertThat(grafana.queuedBytes()).isEqualTo(2 * HELD);
    }

    @Test
    void aProfileBeingSentIsNotDroppedAndTheNextOldestGoesInstead() throws IOException {
        disklessOtelAndGrafana(2 * HELD);
        otel.add(numbered(1, 1_000));
        QueuedProfile sending = otel.next();
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).isEmpty();
        assertThat(otel.load(sending).labels()).containsEntry("seq", "1");
        assertThat(grafana.dropped()).containsEntry("memory-full", 1L);
    }

    @Test
    void aProfileWaitingForARetryIsNoLongerBeingSentSoTheBudgetMayDropIt() throws IOException {
        disklessOtelAndGrafana(2 * HELD);
        otel.add(numbered(1, 1_000));
        otel.next();
        otel.pause(Duration.ZERO);
        grafana.add(numbered(2, 1_000));

        grafana.add(numbered(3, 1_000));

        assertThat(otel.dropped()).containsEntry("memory-full", 1L);
        assertThat(grafana.dropped()).isEmpty();
    }

    @Test
    void profilesSentOrClosedNoLongerCountAgainstTheBudget() throws IOException {
        NodeBacklogs node = disklessOtelAndGrafana(10 * HELD);
        otel.add(numbered(1, 1_000));
        grafana.add(numbered(2, 1_000));
        grafana.add(numbered(3, 1_000));

        otel.settle(otel.next(), null);
        grafana.close();

        assertThat(node.memory.heldBytes()).isZero();
        assertThat(grafana.dropped()).containsEntry("closed", 2L);
    }

    @Test
    void theNodesMemoryBudgetNeverDropsAProfileSentFirstButOneHeldForAnUnwritableSpool() throws IOException {
        NodeBacklogs node = new NodeBacklogs(dir, 3 * HELD - 1);
        Backlog healthy = node.spooling("otel");
        Backlog diskless = node.diskless("grafana");
        ExportedProfile sentFirst = numbered(1, 1_000);
        healthy.add(sentFirst);

        diskless.add(numbered(2, 1_000));
        diskless.add(numbered(3, 1_000));

        assertThat(healthy.dropped()).isEmpty();
        assertThat(healthy.load(healthy.next())).isSameAs(sentFirst);
        assertThat(diskless.dropped()).containsEntry("memory-full", 1L);
        assertThat(node.memory.heldBytes()).isLessThanOrEqualTo(3 * HELD);
    }
}
