package dev.scorch.collector.pull;

import dev.scorch.collector.pull.GoProfileType.Accumulation;
import dev.scorch.collector.pull.PprofRewriter.RewrittenSample;
import dev.scorch.collector.pull.PulledProfile.Function;
import dev.scorch.collector.pull.PulledProfile.Label;
import dev.scorch.collector.pull.PulledProfile.Line;
import dev.scorch.collector.pull.PulledProfile.Location;
import dev.scorch.collector.pull.PulledProfile.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the successive profiles of one program and one profile type into per-interval profiles,
 * so that a backend's "last hour" means the last hour. Values of the type's growing sample types
 * (allocations, contentions, delay) become the growth since the previous fetch, per stack; the
 * other values (live heap, goroutines) are kept as they are.
 *
 * <p>A stack is its frames (function, file, line; the address where unsymbolized) plus its labels,
 * so it matches across fetches even though the program renumbers its tables each time. The
 * previous fetch is only a baseline, and nothing growing is reported for it, when there is none
 * (first fetch, collector restart), when the sample types changed, or when a counter went down or
 * a stack vanished: the program restarted and counts from zero again.
 *
 * <p>Not thread-safe; one instance per program and type.
 */
public final class IntervalDeltas {

    /** What one fetch produced. */
    public enum Kind {
        /** Growth since the previous fetch. */
        DELTA,
        /** The first fetch: a baseline; growing values are not reported. */
        FIRST_BASELINE,
        /** A counter went down or a stack vanished (the program restarted): a new baseline. */
        RESET_BASELINE,
        /** The sample types differ from the previous fetch: a new baseline. */
        TYPES_CHANGED_BASELINE
    }

    /**
     * The interval's profile.
     *
     * @param samples samples with at least one non-zero value, stacks merged
     * @param startNanos start of the interval (the previous fetch; for a baseline, the fetch itself)
     * @param durationNanos length of the interval, 0 for a baseline
     */
    public record Interval(Kind kind, List<RewrittenSample> samples, long startNanos, long durationNanos) {

        /** Whether this interval has anything worth exporting. */
        public boolean hasSamples() {
            return !samples.isEmpty();
        }
    }

    private final Accumulation accumulation;
    private final java.util.Set<String> growingTypes;
    private List<PulledProfile.ValueType> previousTypes;
    private Map<StackKey, long[]> previousTotals;
    private long previousTimeNanos;

    public IntervalDeltas(GoProfileType type) {
        this.accumulation = type.accumulation();
        this.growingTypes = type.growingSampleTypes();
    }

    /** When the profile the next interval starts from was written, ns since the epoch; 0 before the first fetch. */
    public long baselineTimeNanos() {
        return previousTimeNanos;
    }

    /**
     * @param profile the profile just fetched
     * @param fetchedAtNanos wall-clock time of the fetch (ns since the epoch), used when the
     *     profile carries no time of its own
     */
    public Interval next(PulledProfile profile, long fetchedAtNanos) {
        long now = profile.timeNanos() != 0 ? profile.timeNanos() : fetchedAtNanos;
        boolean[] growing = new boolean[profile.sampleTypes().size()];
        for (int i = 0; i < growing.length; i++) {
            growing[i] = growingTypes.contains(profile.sampleTypes().get(i).type());
        }
        Map<StackKey, Merged> current = merge(profile);

        Kind kind;
        if (previousTypes == null) {
            kind = Kind.FIRST_BASELINE;
        } else if (!previousTypes.equals(profile.sampleTypes())) {
            kind = Kind.TYPES_CHANGED_BASELINE;
        } else if (accumulation == Accumulation.SINCE_START && wentDown(current, growing)) {
            kind = Kind.RESET_BASELINE;
        } else {
            kind = Kind.DELTA;
        }

        List<RewrittenSample> samples = new ArrayList<>(current.size());
        for (Map.Entry<StackKey, Merged> entry : current.entrySet()) {
            long[] values = entry.getValue().values.clone();
            long[] before = previousTotals == null ? null : previousTotals.get(entry.getKey());
            boolean nonZero = false;
            for (int i = 0; i < values.length; i++) {
                if (growing[i]) {
                    if (kind != Kind.DELTA) {
                        values[i] = 0;
                    } else if (accumulation == Accumulation.SINCE_START && before != null) {
                        values[i] -= before[i];
                    }
                }
                nonZero |= values[i] != 0;
            }
            if (nonZero) {
                samples.add(new RewrittenSample(entry.getValue().first, values));
            }
        }

        long start = kind == Kind.DELTA ? previousTimeNanos : now;
        long duration = kind == Kind.DELTA ? Math.max(0, now - previousTimeNanos) : 0;
        previousTypes = profile.sampleTypes();
        previousTotals = new HashMap<>(current.size() * 2);
        current.forEach((key, merged) -> previousTotals.put(key, merged.values));
        previousTimeNanos = now;
        return new Interval(kind, samples, start, duration);
    }

    /** Whether a growing counter of a known stack went down, or a known stack vanished. */
    private boolean wentDown(Map<StackKey, Merged> current, boolean[] growing) {
        for (Map.Entry<StackKey, long[]> before : previousTotals.entrySet()) {
            Merged now = current.get(before.getKey());
            if (now == null) {
                return true;
            }
            for (int i = 0; i < growing.length; i++) {
                if (growing[i] && now.values[i] < before.getValue()[i]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Samples with the same stack and labels summed; the first keeps its place and tables. */
    private static final class Merged {
        final Sample first;
        final long[] values;

        Merged(Sample first) {
            this.first = first;
            this.values = first.values().clone();
        }
    }

    /**
     * A stack and its labels as two independent 64-bit hashes of their text: what the previous
     * pull keeps per stack costs a few dozen bytes instead of the frames' names (a heap profile
     * of a large service holds thousands of stacks). Two stacks share a key only if both hashes
     * collide, which at 2^-128 per pair is never.
     */
    private record StackKey(long first, long second) {}

    /** Hashes text in two ways at once, order-sensitive. */
    private static final class Hash {
        long first = 0xcbf29ce484222325L; // FNV-1a 64 offset basis
        long second = 0x9E3779B97F4A7C15L;

        Hash add(CharSequence text) {
            for (int i = 0; i < text.length(); i++) {
                add(text.charAt(i));
            }
            return add('\u0000');
        }

        Hash add(long value) {
            first = (first ^ value) * 0x100000001b3L;
            second = Long.rotateLeft((second ^ value) * 0xBF58476D1CE4E5B9L, 31);
            return this;
        }

        StackKey key() {
            return new StackKey(first, second ^ (second >>> 33));
        }
    }

    private static Map<StackKey, Merged> merge(PulledProfile profile) {
        Map<StackKey, Merged> merged = new LinkedHashMap<>(profile.samples().size() * 2);
        Map<Long, StackKey> frames = new HashMap<>();
        for (Sample sample : profile.samples()) {
            if (allZero(sample.values())) {
                // Go lists buckets before their first counts are published, and labels them
                // (heap: average object size) only once they have counts: nothing to carry.
                continue;
            }
            Hash hash = new Hash();
            for (long id : sample.locationIds()) {
                StackKey location = frames.computeIfAbsent(id, l -> new Hash().add(frames(profile, l)).key());
                hash.add(location.first()).add(location.second());
            }
            for (Label label : sample.labels()) {
                hash.add('{').add(label.key());
                if (label.str() != null) {
                    hash.add('"').add(label.str());
                } else {
                    hash.add(label.num()).add(label.numUnit());
                }
            }
            StackKey key = hash.key();
            Merged existing = merged.get(key);
            if (existing == null) {
                merged.put(key, new Merged(sample));
            } else {
                for (int i = 0; i < existing.values.length; i++) {
                    existing.values[i] += sample.values()[i];
                }
            }
        }
        return merged;
    }

    private static boolean allZero(long[] values) {
        for (long v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** A location as text: its frames innermost first, or its address when it has none. */
    private static String frames(PulledProfile profile, long locationId) {
        Location location = profile.locations().get(locationId);
        if (location.lines().isEmpty()) {
            return "0x" + Long.toHexString(location.address());
        }
        StringBuilder text = new StringBuilder();
        for (Line line : location.lines()) {
            Function function = profile.functions().get(line.functionId());
            if (function == null) {
                text.append("0x").append(Long.toHexString(location.address()));
            } else {
                text.append(function.name()).append(' ').append(function.file()).append(':').append(line.line());
            }
            text.append('|');
        }
        return text.toString();
    }
}
