package dev.scorch.collector.export.delivery;

import dev.scorch.collector.budget.NodeHeapBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The backlogs of one collector's backends for a test: each spools under {@code root}, or, made
 * {@link #diskless}, into a spool directory that cannot be created, and all of them share one
 * budget of profiles held in memory, as every backend of every policy does on a node.
 */
final class NodeBacklogs {

    /** What a profile of {@code payloadBytes} counts against the memory budget: its payload and a fixed 256 for the rest. */
    static long held(int payloadBytes) {
        return payloadBytes + 256L;
    }

    final NodeHeapBudget memory;
    private final Path root;

    NodeBacklogs(Path root, long memoryBytes) {
        this.root = root;
        this.memory = DeliverySettings.memoryBudget(memoryBytes);
    }

    DeliverySettings settings() {
        return settings(root);
    }

    /** A backend whose spool under the root works, recovered as at the collector's start. */
    Backlog spooling(String backend) {
        return recovered(backend, root);
    }

    /** A backend whose spool cannot be written (its root is a file), so it holds profiles in memory only. */
    Backlog diskless(String backend) throws IOException {
        Path notADirectory = root.resolve("not-a-directory");
        if (!Files.exists(notADirectory)) {
            Files.writeString(notADirectory, "not a directory");
        }
        return recovered(backend, notADirectory);
    }

    /** The names of the files in {@code backend}'s spool. */
    List<String> spoolFiles(String backend) throws IOException {
        try (Stream<Path> listing = Files.list(root.resolve(backend))) {
            return listing.map(path -> path.getFileName().toString()).toList();
        }
    }

    private Backlog recovered(String backend, Path spoolRoot) {
        Backlog backlog = new Backlog(backend, settings(spoolRoot));
        backlog.recover();
        return backlog;
    }

    private DeliverySettings settings(Path spoolRoot) {
        return new DeliverySettings(spoolRoot, 1 << 20, memory, new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)),
                Duration.ofSeconds(5), Clock.systemUTC());
    }
}
