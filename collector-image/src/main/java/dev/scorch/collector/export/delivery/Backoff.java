package dev.scorch.collector.export.delivery;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure waits between half and
 * all of {@code min * 2^n}, capped at {@code max}. The random half spreads the retries of many
 * collectors that lost the same backend at the same moment; the fixed half keeps a failing
 * backend from being hammered by an unlucky draw of near-zero waits.
 */
public record Backoff(Duration min, Duration max) {

    public Backoff {
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < min <= max, got min " + min + ", max " + max);
        }
    }

    /** The wait after {@code failures} consecutive failures (1 = the first failure). */
    public Duration delay(int failures, RandomGenerator random) {
        long minNanos = min.toNanos();
        long maxNanos = max.toNanos();
        int shift = Math.min(Math.max(failures - 1, 0), 40);
        long ceiling = minNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, minNanos << shift);
        long half = ceiling / 2;
        return Duration.ofNanos(half + random.nextLong(ceiling - half + 1));
    }
}
