package dev.scorch.collector.export.delivery;

import dev.scorch.collector.budget.NodeHeapBudget;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How one backend's queue is bounded and paced.
 *
 * @param spoolRoot spool root; the backend spools under {@code <spoolRoot>/<backend>/}
 * @param maxSpoolBytes bound of the backend's spool (contract: {@code export.spool.maxBytes})
 * @param memory the collector's one budget of profiles held only in memory, shared by every backend
 *     of every policy ({@link #memoryBudget}): profiles sent first while a backend keeps up, and
 *     those held when a spool cannot be written (disk full, read-only mount, directory removed) so
 *     a disk problem degrades delivery instead of stopping it
 * @param backoff wait between retries of a failing backend
 * @param maxRetryAfter cap on a backend's Retry-After, so a hostile or broken backend cannot park
 *     the queue for hours
 * @param clock time source for health timestamps
 */
public record DeliverySettings(
        Path spoolRoot, long maxSpoolBytes, NodeHeapBudget memory, Backoff backoff, Duration maxRetryAfter, Clock clock) {

    /** 256 MiB, the contract's default for {@code export.spool.maxBytes}. */
    public static final long DEFAULT_MAX_SPOOL_BYTES = 256L << 20;

    /**
     * 8 MiB for the whole collector: its heap is 64 MiB, of which the live set of a busy 20-policy
     * node takes up to 31 MiB (docs/architecture.md, "Heap budget").
     */
    public static final long DEFAULT_MEMORY_BYTES = 8L << 20;

    public DeliverySettings {
        if (maxSpoolBytes <= 0) {
            throw new IllegalArgumentException("the spool bound must be positive, got " + maxSpoolBytes);
        }
    }

    /** A backend with an in-memory budget of its own of {@code maxMemoryBytes}, not shared with any other. */
    public DeliverySettings(Path spoolRoot, long maxSpoolBytes, long maxMemoryBytes, Backoff backoff, Duration maxRetryAfter, Clock clock) {
        this(spoolRoot, maxSpoolBytes, memoryBudget(maxMemoryBytes), backoff, maxRetryAfter, clock);
    }

    /**
     * The one bound of the profiles held only in memory, for every backend of every policy the
     * collector serves. A bound per backend multiplied with the policies: 20 policies with two
     * network backends each were allowed 640 MiB in a 64 MiB heap, and a spool directory removed
     * while the sink was down ran the collector out of memory. Over the budget, the oldest profile
     * held in memory across all backends goes first (never one being sent), dropped and counted as
     * {@code memory-full} by its own backend.
     */
    public static NodeHeapBudget memoryBudget(long maxBytes) {
        return new NodeHeapBudget("profiles held in memory", maxBytes);
    }

    /**
     * Production defaults: backoff from 1 s up to 30 s. The cap stays near two default export
     * intervals so that a backend coming back is used again within about one interval, which is
     * what the Collecting condition measures; Alloy's 5 min cap would leave it reported unreachable
     * long after it recovered.
     */
    public static DeliverySettings defaults(Path spoolRoot, long maxSpoolBytes, NodeHeapBudget memory) {
        return new DeliverySettings(spoolRoot, maxSpoolBytes, memory,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)), Duration.ofMinutes(5), Clock.systemUTC());
    }
}
