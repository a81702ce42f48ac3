package dev.scorch.collector.pull;

import java.time.Duration;

/**
 * Spreads the pulls of many programs over the start of each interval, so a node's collector does
 * not hit every pod (and every pod its own runtime) in the same instant. The offset is stable per
 * program: its intervals stay equally long.
 */
public final class PullJitter {

    /** Share of the interval the offsets spread over. */
    private static final int SPREAD_DIVISOR = 4;

    private PullJitter() {}

    /** The offset of {@code program}'s pulls, in [0, interval / 4). */
    public static Duration offset(String program, Duration interval) {
        long spread = interval.toNanos() / SPREAD_DIVISOR;
        if (spread <= 0) {
            return Duration.ZERO;
        }
        // A mixed hash: String.hashCode of similar addresses differs only in its low bits.
        long h = program.hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return Duration.ofNanos(Math.floorMod(h, spread));
    }
}
