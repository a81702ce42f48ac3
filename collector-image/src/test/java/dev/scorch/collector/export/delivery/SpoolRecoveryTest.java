package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static dev.scorch.collector.export.delivery.DeliveryQueueTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.export.WireFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool shapes a previous run, a crash or a hostile hand can leave behind: recovery keeps the
 * spool on disk, sends what it can, counts what it cannot, never reads past a file's real size;
 * a sender thread that dies turns the backend's health red; a send cut by shutdown is not sent twice
 * nor taken for a failing backend, and a profile waiting for its retry is not cut.
 */
class SpoolRecoveryTest {

    @TempDir
    Path spoolRoot;

    private DeliverySettings settings() {
        return new DeliverySettings(spoolRoot, 1 << 20, 1 << 20, new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)),
                Duration.ofSeconds(5), Clock.systemUTC());
    }

    private Path spool() {
        return spoolRoot.resolve("parca");
    }

    /** Three profiles left spooled by a run whose backend was down. */
    private void leaveThreeSpooled() {
        RecordingSender down = new RecordingSender();
        down.failWith.set(SendFailure.retryable("connection refused", null));
        try (var queue = new DeliveryQueue("parca", down, settings())) {
            IntStream.range(0, 3).forEach(i -> queue.offer(numbered(i, 300)));
        }
    }

    private List<Integer> deliveredAfterRestart(int expected, RecordingSender sender, DeliveryQueue queue) {
        await(() -> sender.accepted.size() == expected);
        return sender.accepted.stream().map(TestProfiles::sequenceOf).toList();
    }

    @Test
    void aNonEmptyDirectoryNamedLikeATemporaryFileIsCountedAndTheSpoolStaysOnDisk() throws IOException {
        leaveThreeSpooled();
        Path trap = Files.createDirectories(spool().resolve("0000000000000000007.prof.tmp"));
        Files.writeString(trap.resolve("inside"), "x");

        RecordingSender sender = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", sender, settings())) {
            queue.offer(numbered(3, 300));
            assertThat(deliveredAfterRestart(4, sender, queue)).containsExactly(0, 1, 2, 3);
            assertThat(queue.health().dropped()).containsEntry("unrecoverable-spool-file", 1L);
            assertThat(queue.health().lastError()).isNull();
        }
    }

    @Test
    void aNameAboveLongMaxValueIsCountedAndTheRestIsSent() throws IOException {
        leaveThreeSpooled();
        Files.write(spool().resolve("9999999999999999999.prof"), new byte[] {1});

        RecordingSender sender = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", sender, settings())) {
            assertThat(deliveredAfterRestart(3, sender, queue)).containsExactly(0, 1, 2);
            assertThat(queue.health().dropped()).containsEntry("unrecoverable-spool-file", 1L);
        }
    }

    @Test
    void aFileNamedLongMaxValueCannotMakeNewNamesWrapAndOverwrite() throws IOException {
        leaveThreeSpooled();
        Path first = spool().resolve("0000000000000000001.prof");
        Files.copy(first, spool().resolve("9223372036854775807.prof"));

        RecordingSender sender = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", sender, settings())) {
            IntStream.range(3, 6).forEach(i -> queue.offer(numbered(i, 300)));
            assertThat(deliveredAfterRestart(6, sender, queue)).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(queue.health().dropped()).containsEntry("unrecoverable-spool-file", 1L);
        }
    }

    @Test
    void aSparseFileDeclaringAHugeLengthIsDroppedWithoutBeingRead() throws IOException {
        leaveThreeSpooled();
        long huge = 1L << 40;
        Path sparse = spool().resolve("0000000000000000002.prof");
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(0);
            file.write("SCSPOOL1".getBytes(StandardCharsets.US_ASCII));
            file.write(ByteBuffer.allocate(8).putLong(huge - 24).array());
            file.setLength(huge);
        }

        RecordingSender sender = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", sender, settings())) {
            assertThat(deliveredAfterRestart(2, sender, queue)).containsExactly(0, 2);
            assertThat(queue.health().dropped()).containsEntry("corrupt-spool-file", 1L);
            assertThat(queue.health().failingSince()).isNull();
        }
    }

    @Test
    void aSenderThreadKilledByAnErrorMakesTheBackendUnhealthy() {
        ProfileSender dying = new ProfileSender() {
            @Override
            public WireFormat wireFormat() {
                return WireFormat.GZIPPED_PPROF;
            }

            @Override
            public void send(ExportedProfile profile) {
                throw new OutOfMemoryError("simulated: Java heap space");
            }
        };
        try (var queue = new DeliveryQueue("parca", dying, settings())) {
            queue.offer(numbered(0, 300));
            await(() -> queue.health().failingSince() != null);
            assertThat(queue.health().lastError()).contains("sender thread stopped").contains("OutOfMemoryError");
        }
    }

    /** A backend that stores what it receives, then answers only when the test lets it. */
    private static final class SlowBackend implements ProfileSender {
        final RecordingSender stored = new RecordingSender();
        final CountDownLatch answer = new CountDownLatch(1);
        final CountDownLatch received = new CountDownLatch(1);

        @Override
        public WireFormat wireFormat() {
            return WireFormat.GZIPPED_PPROF;
        }

        @Override
        public void send(ExportedProfile profile) throws SendFailure {
            stored.send(profile);
            received.countDown();
            try {
                answer.await();
            } catch (InterruptedException e) {
                throw SendFailure.retryable("interrupted", e);
            }
        }
    }

    @Test
    void aSendStillInFlightPastTheShutdownGraceIsNotSentAgainAfterTheRestart() throws Exception {
        SlowBackend backend = new SlowBackend();
        try (var queue = new DeliveryQueue("parca", backend, settings())) {
            queue.offer(numbered(0, 300));
            backend.received.await();
        } // close: the answer never comes within the grace

        RecordingSender restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings())) {
            queue.offer(numbered(1, 300));
            assertThat(deliveredAfterRestart(1, restarted, queue)).containsExactly(1);
            assertThat(queue.health().dropped()).containsEntry("possibly-delivered", 1L);
        }
        assertThat(backend.stored.accepted).hasSize(1);
    }

    @Test
    void aSendInFlightWhenShutdownBeganIsCutAndMarkedAtTheEndOfItsGraceWithoutWaitingForTheClose() throws Exception {
        SlowBackend backend = new SlowBackend();
        try (var queue = new DeliveryQueue("parca", backend, settings())) {
            queue.offer(numbered(0, 300));
            backend.received.await();
            queue.stopSending();
            await(() -> spoolFiles().stream().anyMatch(f -> f.getFileName().toString().endsWith(".possibly-delivered")));
        }

        RecordingSender restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings())) {
            queue.offer(numbered(1, 300));
            assertThat(deliveredAfterRestart(1, restarted, queue)).containsExactly(1);
            assertThat(queue.health().dropped()).containsEntry("possibly-delivered", 1L);
        }
    }

    @Test
    void aSendCutAtShutdownIsNotCountedAsAFailureOfTheBackend() throws Exception {
        SlowBackend backend = new SlowBackend();
        var queue = new DeliveryQueue("parca", backend, settings());
        queue.offer(numbered(0, 300));
        backend.received.await();
        queue.stopSending();
        await(() -> spoolFiles().stream().anyMatch(f -> f.getFileName().toString().endsWith(".possibly-delivered")));
        queue.close();

        assertThat(queue.health().retried()).isZero();
        assertThat(queue.health().failingSince()).isNull();
        assertThat(queue.health().lastError()).isNull();
    }

    @Test
    void aSendCutAtShutdownThatOnlyMemoryHeldIsCountedAsPossiblyDelivered() throws Exception {
        Path notADirectory = Files.writeString(spoolRoot.resolve("file"), "x");
        DeliverySettings diskless = new DeliverySettings(notADirectory, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC());
        SlowBackend backend = new SlowBackend();
        try (var queue = new DeliveryQueue("parca", backend, diskless)) {
            queue.offer(numbered(0, 300));
            backend.received.await();
            queue.stopSending();
            await(() -> queue.health().dropped().containsKey("possibly-delivered"));
            queue.close();
            assertThat(queue.health().dropped()).containsExactly(java.util.Map.entry("possibly-delivered", 1L));
        }
    }

    @Test
    void aProfileWaitingForItsRetryWhenShutdownBeganIsNotCutAndIsSentAfterTheRestart() throws Exception {
        RecordingSender down = new RecordingSender();
        down.failWith.set(SendFailure.retryAfter("HTTP 503", Duration.ofMinutes(1)));
        DeliverySettings retryInAMinute = new DeliverySettings(spoolRoot, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofMinutes(1), Clock.systemUTC());
        try (var queue = new DeliveryQueue("parca", down, retryInAMinute)) {
            queue.offer(numbered(0, 300));
            await(() -> queue.health().retried() == 1);
            queue.stopSending();
            // The collector builds its final interval before it closes; here that takes longer than the grace of a send.
            Thread.sleep(DeliveryQueue.IN_FLIGHT_GRACE.plusSeconds(1));
        }
        assertThat(spoolFiles()).noneMatch(f -> f.getFileName().toString().endsWith(".possibly-delivered"));

        RecordingSender restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings())) {
            assertThat(deliveredAfterRestart(1, restarted, queue)).containsExactly(0);
            assertThat(queue.health().dropped()).doesNotContainKey("possibly-delivered");
        }
    }

    @Test
    void whatIsOfferedAfterShutdownBeganIsNotSentButWaitsInTheSpoolForTheRestart() throws Exception {
        RecordingSender stopping = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", stopping, settings())) {
            queue.stopSending();
            IntStream.range(0, 3).forEach(i -> queue.offer(numbered(i, 300)));
        }
        assertThat(stopping.accepted).isEmpty();

        RecordingSender restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings())) {
            assertThat(deliveredAfterRestart(3, restarted, queue)).containsExactly(0, 1, 2);
        }
    }

    private List<Path> spoolFiles() {
        try (Stream<Path> files = Files.list(spool())) {
            return files.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    void aSendThatAnswersWithinTheShutdownGraceCompletesAndIsNotSentAgain() throws Exception {
        SlowBackend backend = new SlowBackend();
        var queue = new DeliveryQueue("parca", backend, settings());
        queue.offer(numbered(0, 300));
        backend.received.await();
        Thread closing = Thread.ofPlatform().start(queue::close);
        Thread.sleep(200);
        backend.answer.countDown();
        closing.join();

        assertThat(queue.health().sent()).isEqualTo(1);
        try (Stream<Path> left = Files.list(spool())) {
            assertThat(left).isEmpty();
        }
    }
}
