package dev.scorch.collector.export.delivery;

import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.TestProfiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryQueueTest {

    @TempDir
    Path spoolRoot;

    private final RecordingSender sender = new RecordingSender();

    private DeliverySettings settings(long maxSpoolBytes) {
        return new DeliverySettings(spoolRoot, maxSpoolBytes, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC());
    }

    @Test
    void deliversOfferedProfilesOldestFirstAndEmptiesTheSpool() {
        try (var queue = new DeliveryQueue("parca", sender, settings(1 << 20))) {
            IntStream.range(0, 20).forEach(i -> queue.offer(numbered(i, 100)));
            await(() -> sender.accepted.size() == 20);
            assertThat(sender.accepted).extracting(TestProfiles::sequenceOf).containsExactlyElementsOf(range(0, 20));
            await(() -> queue.health().queuedBytes() == 0);
            assertThat(queue.health().sent()).isEqualTo(20);
            assertThat(queue.health().lastSuccess()).isNotNull();
            assertThat(spoolFiles()).isEmpty();
        }
    }

    @Test
    void retriesAFailingBackendAndReportsItUntilItAccepts() {
        sender.failWith.set(SendFailure.retryable("connection refused", null));
        try (var queue = new DeliveryQueue("parca", sender, settings(1 << 20))) {
            queue.offer(numbered(1, 100));
            await(() -> sender.attempts >= 3);
            BackendHealth failing = queue.health();
            assertThat(failing.failingSince()).isNotNull();
            assertThat(failing.lastError()).isEqualTo("connection refused");
            assertThat(failing.retried()).isGreaterThanOrEqualTo(2);
            assertThat(failing.queuedBytes()).isPositive();

            sender.failWith.set(null);
            await(() -> sender.accepted.size() == 1);
            await(() -> queue.health().failingSince() == null);
            assertThat(queue.health().lastError()).isNull();
            assertThat(queue.health().dropped()).isEmpty();
        }
    }

    @Test
    void dropsAPermanentlyRejectedProfileCountedByReasonAndMovesOn() {
        try (var queue = new DeliveryQueue("grafana", sender, settings(1 << 20))) {
            sender.failWith.set(SendFailure.permanent("rejected-http-400", "HTTP 400: invalid profile"));
            queue.offer(numbered(1, 100));
            queue.offer(numbered(2, 100));
            await(() -> queue.health().dropped().getOrDefault("rejected-http-400", 0L) == 2);
            assertThat(queue.health().lastError()).isEqualTo("HTTP 400: invalid profile");
            sender.failWith.set(null);
            queue.offer(numbered(3, 100));
            await(() -> sender.accepted.size() == 1);
            assertThat(TestProfiles.sequenceOf(sender.accepted.getFirst())).isEqualTo(3);
            assertThat(queue.health().retried()).isZero();
        }
    }

    @Test
    void aFullSpoolDropsTheOldestProfilesAndCountsEachDrop() {
        sender.failWith.set(SendFailure.retryable("connection refused", null));
        long recordBytes;
        var unreachable = new RecordingSender();
        unreachable.failWith.set(SendFailure.retryable("connection refused", null));
        try (var probe = new DeliveryQueue("probe", unreachable, settings(1 << 20))) {
            probe.offer(numbered(10, 1000));
            await(() -> probe.health().retried() >= 1);
            recordBytes = probe.health().queuedBytes();
        }
        try (var queue = new DeliveryQueue("parca", sender, settings(recordBytes * 10))) {
            // The first profile is sent from memory, fails and is spooled; the rest are spooled behind it.
            queue.offer(numbered(0, 1000));
            await(() -> queue.health().retried() >= 1);
            IntStream.range(1, 25).forEach(i -> queue.offer(numbered(i, 1000)));
            assertThat(queue.health().dropped()).containsEntry("spool-full", 15L);
            assertThat(queue.health().queuedBytes()).isLessThanOrEqualTo(recordBytes * 10);

            sender.failWith.set(null);
            await(() -> sender.accepted.size() == 10);
            // The profile being sent when the spool filled up is kept; the next oldest went instead.
            List<Integer> delivered = sender.accepted.stream().map(TestProfiles::sequenceOf).toList();
            assertThat(delivered.getFirst()).isZero();
            assertThat(delivered.subList(1, 10)).containsExactlyElementsOf(range(16, 25));
        }
    }

    @Test
    void resumesSpooledProfilesAfterARestartInTheOrderTheyWereOffered() {
        sender.failWith.set(SendFailure.retryable("connection refused", null));
        try (var queue = new DeliveryQueue("parca", sender, settings(1 << 20))) {
            IntStream.range(0, 5).forEach(i -> queue.offer(numbered(i, 300)));
        }
        var restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings(1 << 20))) {
            queue.offer(numbered(5, 300));
            await(() -> restarted.accepted.size() == 6);
            assertThat(restarted.accepted).extracting(TestProfiles::sequenceOf).containsExactlyElementsOf(range(0, 6));
        }
    }

    @Test
    void removesAndCountsCorruptAndHalfWrittenSpoolFilesAtStartWithoutStopping() throws IOException {
        sender.failWith.set(SendFailure.retryable("connection refused", null));
        try (var queue = new DeliveryQueue("parca", sender, settings(1 << 20))) {
            IntStream.range(0, 3).forEach(i -> queue.offer(numbered(i, 300)));
        }
        List<Path> files = spoolFiles();
        Files.write(files.get(0), new byte[] {1, 2, 3});
        byte[] flipped = Files.readAllBytes(files.get(1));
        flipped[flipped.length / 2] ^= 0x55;
        Files.write(files.get(1), flipped);
        Files.write(spoolRoot.resolve("parca").resolve("0000000000000000099.prof.tmp"), new byte[] {9});

        var restarted = new RecordingSender();
        try (var queue = new DeliveryQueue("parca", restarted, settings(1 << 20))) {
            await(() -> restarted.accepted.size() == 1);
            assertThat(TestProfiles.sequenceOf(restarted.accepted.getFirst())).isEqualTo(2);
            await(() -> queue.health().dropped().getOrDefault("corrupt-spool-file", 0L) == 2);
            assertThat(queue.health().dropped()).containsEntry("partial-write", 1L);
        }
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void waitsAsLongAsTheBackendsRetryAfterAsks() {
        sender.failWith.set(SendFailure.retryAfter("HTTP 429: slow down", Duration.ofMillis(600)));
        try (var queue = new DeliveryQueue("grafana", sender, settings(1 << 20))) {
            long start = System.nanoTime();
            queue.offer(numbered(1, 100));
            await(() -> sender.attempts >= 1);
            sender.failWith.set(null);
            await(() -> sender.accepted.size() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
            assertThat(sender.attempts).isEqualTo(2);
        }
    }

    @Test
    void keepsDeliveringFromMemoryWhenTheSpoolDirectoryCannotBeCreated() throws IOException {
        Path notADirectory = spoolRoot.resolve("file");
        Files.writeString(notADirectory, "x");
        var memoryOnly = new DeliverySettings(notADirectory, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofSeconds(5), Clock.systemUTC());
        try (var queue = new DeliveryQueue("parca", sender, memoryOnly)) {
            assertThat(queue.health().lastError()).contains("unusable").contains(notADirectory.toString());
            queue.offer(numbered(1, 100));
            await(() -> sender.accepted.size() == 1);
        }
    }

    @Test
    void aProfileLargerThanTheWholeSpoolIsDroppedAsTooLarge() {
        try (var queue = new DeliveryQueue("parca", sender, settings(500))) {
            queue.offer(numbered(1, 2000));
            assertThat(queue.health().dropped()).containsEntry("too-large", 1L);
            assertThat(queue.health().queuedBytes()).isZero();
        }
    }

    private List<Path> spoolFiles() {
        try (Stream<Path> files = Files.list(spoolRoot.resolve("parca"))) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
