package dev.scorch.collector.pull;

import dev.scorch.collector.pull.IntervalDeltas.Interval;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Pulls one program's profiles interval after interval and turns each answer into the profile of
 * that interval ({@link IntervalDeltas}), one delta state per type. What becomes of a profile
 * (a file, an export) is the caller's. A heap profile fetched between rounds (a triggered capture)
 * may cut the current interval short ({@link #cutHeap}); the delta states are guarded for that.
 */
public final class IntervalPuller {

    /**
     * The outcome of one type in one round.
     *
     * @param gzippedPprof the interval's profile, null when there is nothing to write (a
     *     baseline of a type that only grows, or a failure)
     * @param interval what the deltas made of the answer, null on failure
     * @param failure why nothing was fetched, null on success
     */
    public record Outcome(GoProfileType type, byte[] gzippedPprof, Interval interval, PullFailure failure) {}

    private final ProfileFetcher fetcher;
    private final Function<GoProfileType, URI> urls;
    private final Map<GoProfileType, IntervalDeltas> deltas = new EnumMap<>(GoProfileType.class);

    public IntervalPuller(ProfileFetcher fetcher, PullEndpoints endpoints) {
        this(fetcher, endpoints::url);
    }

    /** @param urls where each type is served (a pod's annotations may put each type elsewhere) */
    public IntervalPuller(ProfileFetcher fetcher, Function<GoProfileType, URI> urls) {
        this.fetcher = fetcher;
        this.urls = urls;
    }

    /** Fetches {@code type} once and returns this interval's profile of it. */
    public Outcome pull(GoProfileType type) throws InterruptedException {
        PulledProfile profile;
        try {
            profile = fetcher.fetch(urls.apply(type), type);
        } catch (PullFailure failure) {
            return new Outcome(type, null, null, failure);
        }
        Interval interval;
        synchronized (deltas) {
            interval = deltas.computeIfAbsent(type, IntervalDeltas::new).next(profile, nowNanos());
        }
        byte[] pprof = interval.hasSamples() || interval.kind() == IntervalDeltas.Kind.DELTA ? rewrite(profile, interval) : null;
        return new Outcome(type, pprof, interval, null);
    }

    /**
     * A heap profile fetched between rounds (a triggered capture) as the profile of the time since
     * this program's last pull of its heap (or, when only allocs are pulled, of allocs: the same
     * counts): allocations since then, in-use memory as served. It becomes that type's new
     * baseline, so the next pull reports from here and a backend summing the pulls and the
     * captures of one program counts each allocation once. Empty when neither is pulled, or when
     * a pull fetched after {@code heap} was written has already moved the baseline past it
     * (cutting from there would count that pull's allocations twice).
     */
    public Optional<CutProfile> cutHeap(PulledProfile heap) {
        synchronized (deltas) {
            IntervalDeltas state = deltas.containsKey(GoProfileType.HEAP) ? deltas.get(GoProfileType.HEAP) : deltas.get(GoProfileType.ALLOCS);
            if (state == null || heap.timeNanos() != 0 && heap.timeNanos() < state.baselineTimeNanos()) {
                return Optional.empty();
            }
            Interval interval = state.next(heap, nowNanos());
            return Optional.of(new CutProfile(rewrite(heap, interval), interval.startNanos(), interval.durationNanos()));
        }
    }

    /**
     * A profile with no earlier fetch to compare to, e.g. a capture's heap profile of a program
     * whose heap is not pulled: its growing values (allocations, counted since the program started)
     * zero, the others as served, at the time of the profile.
     */
    public static CutProfile withoutGrowth(GoProfileType type, PulledProfile profile) {
        Interval interval = new IntervalDeltas(type).next(profile, nowNanos());
        return new CutProfile(rewrite(profile, interval), interval.startNanos(), 0);
    }

    /**
     * A profile rewritten for one stretch of time.
     *
     * @param gzippedPprof the profile with the stretch's values
     * @param startNanos start of the stretch, ns since the epoch
     * @param durationNanos its length, 0 for a snapshot
     */
    public record CutProfile(byte[] gzippedPprof, long startNanos, long durationNanos) {}

    private static byte[] rewrite(PulledProfile profile, Interval interval) {
        return PprofRewriter.gzipped(profile, interval.samples(), interval.startNanos(), interval.durationNanos());
    }

    private static long nowNanos() {
        return System.currentTimeMillis() * 1_000_000L;
    }
}
