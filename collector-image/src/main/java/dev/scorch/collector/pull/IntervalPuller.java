package dev.scorch.collector.pull;

import dev.scorch.collector.pull.IntervalDeltas.Interval;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Pulls one program's profiles interval after interval and turns each answer into the profile of
 * that interval ({@link IntervalDeltas}), one delta state per type. What becomes of a profile
 * (a file, an export) is the caller's.
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
        Interval interval = deltas.computeIfAbsent(type, IntervalDeltas::new).next(profile, System.currentTimeMillis() * 1_000_000L);
        byte[] pprof = interval.hasSamples() || interval.kind() == IntervalDeltas.Kind.DELTA
                ? PprofRewriter.gzipped(profile, interval.samples(), interval.startNanos(), interval.durationNanos())
                : null;
        return new Outcome(type, pprof, interval, null);
    }
}
