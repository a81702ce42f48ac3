package dev.scorch.collector.heap;

import java.time.Duration;
import java.util.Arrays;

/**
 * A soft ceiling on the committed heap that follows the live set: the decision, without the JVM
 * (see {@link HeapCeilingKeeper} for the thread that applies it). The serial collector grows the
 * old generation at every promotion that does not fit and collects it in full only once it can grow
 * no further, at {@code -Xmx}, so without a ceiling a collector keeps all of {@code -Xmx} resident
 * whatever its live set. Past this ceiling a full GC is asked for; with the free-ratio flags of
 * {@code jvm.options} that GC shrinks the heap to its live set and uncommits the rest.
 *
 * <p>The ceiling is the least heap the last {@code recentGcs} full GCs left committed, plus {@code
 * headroomBytes}: a full GC that lands while a symbolization round holds its profiles leaves more
 * live than the collector keeps between rounds, and would otherwise set the next ceiling as high.
 * A live set that really grows (a burst) leaves every recent GC high and so raises the ceiling, up to
 * {@code -Xmx}, the hard bound, where the JVM's own full GCs take over. Full GCs asked for are at
 * least {@code minInterval} apart: the heap grows past the ceiling until then rather than collect
 * back to back. A full GC the JVM ran itself shows as the committed heap shrinking, and counts as
 * one of the recent GCs. Not thread-safe.
 */
public final class HeapCeiling {

    /**
     * @param headroomBytes how far the committed heap may grow past the least a recent full GC left
     *     committed before the next one is asked for
     * @param recentGcs how many of the latest full GCs the ceiling is taken from
     * @param minInterval the least time between two full GCs asked for
     * @param hardLimitBytes the most the heap can commit ({@code -Xmx}): a ceiling there asks for nothing
     */
    public record Settings(long headroomBytes, int recentGcs, Duration minInterval, long hardLimitBytes) {
        public Settings {
            if (headroomBytes <= 0 || recentGcs <= 0 || minInterval.isNegative() || hardLimitBytes <= 0) {
                throw new IllegalArgumentException("heap ceiling settings out of range: headroom " + headroomBytes + " bytes, "
                        + recentGcs + " recent GCs, interval " + minInterval + ", limit " + hardLimitBytes + " bytes");
            }
        }
    }

    private final Settings settings;
    /** The committed heap after each of the latest full GCs, oldest overwritten first. */
    private final long[] committedAfterGc;
    private int gcs;
    private long ceilingBytes;
    private long lastCommittedBytes;
    private long lastCollectedNanos;
    private boolean collectedBefore;

    /** A ceiling above {@code committedBytes}, the heap committed at start. */
    public HeapCeiling(Settings settings, long committedBytes) {
        this.settings = settings;
        this.committedAfterGc = new long[settings.recentGcs()];
        this.lastCommittedBytes = committedBytes;
        afterFullGc(committedBytes);
    }

    /** The committed heap past which the next full GC is asked for. */
    public long ceilingBytes() {
        return ceilingBytes;
    }

    /**
     * Whether to ask for a full GC, given the heap committed at {@code nowNanos}: past the ceiling,
     * once {@code minInterval} has passed since the last full GC asked for.
     */
    public boolean shouldCollect(long committedBytes, long nowNanos) {
        if (committedBytes < lastCommittedBytes) {
            // Only a full GC shrinks the serial heap: the JVM ran one at its limit.
            afterFullGc(committedBytes);
        }
        lastCommittedBytes = committedBytes;
        if (committedBytes <= ceilingBytes || ceilingBytes >= settings.hardLimitBytes()) {
            return false;
        }
        return !collectedBefore || nowNanos - lastCollectedNanos >= settings.minInterval().toNanos();
    }

    /** Records a full GC asked for at {@code nowNanos}, after which {@code committedBytes} stay committed. */
    public void collected(long committedBytes, long nowNanos) {
        collectedBefore = true;
        lastCollectedNanos = nowNanos;
        lastCommittedBytes = committedBytes;
        afterFullGc(committedBytes);
    }

    private void afterFullGc(long committedBytes) {
        committedAfterGc[gcs++ % committedAfterGc.length] = committedBytes;
        long least = Arrays.stream(committedAfterGc, 0, Math.min(gcs, committedAfterGc.length)).min().orElseThrow();
        ceilingBytes = Math.min(settings.hardLimitBytes(), least + settings.headroomBytes());
    }
}
