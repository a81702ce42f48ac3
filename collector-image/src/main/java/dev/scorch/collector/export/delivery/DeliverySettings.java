package dev.scorch.collector.export.delivery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How one backend's queue is bounded and paced.
 *
 * @param spoolRoot spool root; the backend spools under {@code <spoolRoot>/<backend>/}
 * @param maxSpoolBytes bound of the backend's spool (contract: {@code export.spool.maxBytes})
 * @param memory the collector's one budget of profiles held only in memory, shared by every backend
 *     of every policy; used when a spool cannot be written (disk full, read-only mount, directory
 *     removed) so a disk problem degrades delivery instead of stopping it
 * @param backoff wait between retries of a failing backend
 * @param maxRetryAfter cap on a backend's Retry-After, so a hostile or broken backend cannot park
 *     the queue for hours
 * @param clock time source for health timestamps
 */
public record DeliverySettings(
        Path spoolRoot, long maxSpoolBytes, ProfileMemoryBudget memory, Backoff backoff, Duration maxRetryAfter, Clock clock) {

    /** 256 MiB, the contract's default for {@code export.spool.maxBytes}. */
    public static final long DEFAULT_MAX_SPOOL_BYTES = 256L << 20;

    public DeliverySettings {
        if (maxSpoolBytes <= 0) {
            throw new IllegalArgumentException("the spool bound must be positive, got " + maxSpoolBytes);
        }
    }

    /** A backend with an in-memory budget of its own of {@code maxMemoryBytes}, not shared with any other. */
    public DeliverySettings(Path spoolRoot, long maxSpoolBytes, long maxMemoryBytes, Backoff backoff, Duration maxRetryAfter, Clock clock) {
        this(spoolRoot, maxSpoolBytes, new ProfileMemoryBudget(maxMemoryBytes), backoff, maxRetryAfter, clock);
    }

    /**
     * Production defaults: backoff from 1 s up to 30 s. The cap stays near two default export
     * intervals so that a backend coming back is used again within about one interval, which is
     * what the Collecting condition measures; Alloy's 5 min cap would leave it reported unreachable
     * long after it recovered.
     */
    public static DeliverySettings defaults(Path spoolRoot, long maxSpoolBytes, ProfileMemoryBudget memory) {
        return new DeliverySettings(spoolRoot, maxSpoolBytes, memory,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)), Duration.ofMinutes(5), Clock.systemUTC());
    }
}
