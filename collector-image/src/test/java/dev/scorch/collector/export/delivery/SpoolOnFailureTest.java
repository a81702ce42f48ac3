package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static dev.scorch.collector.export.delivery.DeliveryQueueTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.TestProfiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool on failure: a profile for a backend that keeps up is sent from memory; it reaches the spool
 * when its send fails, when it is still unsent at the next offer, when the backend is behind or
 * failing, when the memory bound is full, and when the collector stops.
 */
class SpoolOnFailureTest {

    @TempDir
    Path spoolRoot;

    private NodeBacklogs node(long maxMemoryBytes) {
        return new NodeBacklogs(spoolRoot, maxMemoryBytes);
    }

    private Backlog backlog() {
        return node(1 << 20).spooling("otel");
    }

    /** The send loop takes the only profile offered, numbered {@code sequence}. */
    private static QueuedProfile offeredAndTaken(Backlog backlog, int sequence) {
        backlog.add(numbered(sequence, 500));
        return backlog.next();
    }

    @Test
    void aHealthyBackendsProfileIsSentWithoutTouchingTheSpool() throws IOException {
        Backlog backlog = backlog();
        ExportedProfile offered = numbered(1, 500);
        backlog.add(offered);

        assertThat(spoolFiles()).isEmpty();
        assertThat(backlog.queuedBytes()).isPositive();
        QueuedProfile item = backlog.next();
        assertThat(backlog.load(item)).isSameAs(offered);
        backlog.settle(item, null);
        assertThat(spoolFiles()).isEmpty();
        assertThat(backlog.queuedBytes()).isZero();
    }

    @Test
    void aFailedSendLeavesTheProfileDurableInTheSpoolBeforeTheRetryWaits() throws IOException {
        Backlog backlog = backlog();
        ExportedProfile offered = numbered(1, 500);
        backlog.add(offered);
        QueuedProfile item = backlog.next();

        backlog.sendFailed(item);

        assertThat(spoolFiles()).singleElement().satisfies(name -> assertThat(name).endsWith(".prof"));
        Backlog afterCrash = backlog();
        ExportedProfile recovered = afterCrash.load(afterCrash.next());
        assertThat(recovered.payload()).isEqualTo(offered.payload());
        assertThat(recovered.labels()).isEqualTo(offered.labels());
    }

    @Test
    void theRetryOfASpooledProfileSucceedsAndEmptiesTheSpool() throws IOException {
        Backlog backlog = backlog();
        backlog.sendFailed(offeredAndTaken(backlog, 1));

        QueuedProfile retry = backlog.next();
        assertThat(backlog.load(retry).labels()).containsEntry("seq", "1");
        backlog.settle(retry, null);

        assertThat(spoolFiles()).isEmpty();
        assertThat(backlog.queuedBytes()).isZero();
        assertThat(backlog.dropped()).isEmpty();
    }

    @Test
    void profilesQueuedBehindAFailingBackendAreSpooled() throws IOException {
        Backlog backlog = backlog();
        backlog.sendFailed(offeredAndTaken(backlog, 1));
        backlog.settle(backlog.next(), "rejected-http-400");

        backlog.add(numbered(2, 500));

        assertThat(spoolFiles()).hasSize(1);
    }

    @Test
    void aProfileStillInMemoryWhenTheNextIsOfferedIsSpooledAheadOfIt() throws IOException {
        Backlog backlog = backlog();
        QueuedProfile hanging = offeredAndTaken(backlog, 1);

        backlog.add(numbered(2, 500));

        assertThat(spoolFiles()).hasSize(2);
        Backlog afterCrash = backlog();
        QueuedProfile first = afterCrash.next();
        assertThat(afterCrash.load(first).labels()).containsEntry("seq", "1");
        afterCrash.settle(first, null);
        assertThat(afterCrash.load(afterCrash.next()).labels()).containsEntry("seq", "2");
        backlog.settle(hanging, null);
        assertThat(spoolFiles()).hasSize(1);
    }

    @Test
    void aProfileThatDoesNotFitTheMemoryBoundIsSpooledRatherThanDropped() throws IOException {
        Backlog backlog = node(300).spooling("otel");
        backlog.add(numbered(1, 500));

        assertThat(spoolFiles()).hasSize(1);
        assertThat(backlog.dropped()).isEmpty();
        assertThat(backlog.load(backlog.next()).labels()).containsEntry("seq", "1");
    }

    @Test
    void closeSpoolsTheProfilesStillInMemory() throws IOException {
        Backlog backlog = backlog();
        backlog.add(numbered(1, 500));

        backlog.close();

        assertThat(spoolFiles()).singleElement().satisfies(name -> assertThat(name).endsWith(".prof"));
        assertThat(backlog.dropped()).isEmpty();
    }

    @Test
    void aSendThatSucceedsAfterCloseSpooledItLeavesNoFile() throws IOException {
        Backlog backlog = backlog();
        QueuedProfile inFlight = offeredAndTaken(backlog, 1);

        backlog.close();
        backlog.settle(inFlight, null);

        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void aRestartDeliversWhatCloseSpooled() {
        Backlog stopping = backlog();
        stopping.add(numbered(1, 500));
        stopping.close();

        RecordingSender restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("otel", restarted, node(1 << 20).settings())) {
            await(() -> restarted.accepted.size() == 1);
            assertThat(restarted.accepted).extracting(TestProfiles::sequenceOf).containsExactly(1);
            assertThat(queue.health().dropped()).isEmpty();
        }
    }

    private List<String> spoolFiles() throws IOException {
        return node(1 << 20).spoolFiles("otel");
    }
}
