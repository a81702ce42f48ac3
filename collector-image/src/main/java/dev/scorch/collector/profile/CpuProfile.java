package dev.scorch.collector.profile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * A symbolized CPU profile of one target over one interval, shaped like pprof's {@code Profile}
 * message (ids are 1-based positions in the lists). Built once by {@link CpuProfileBuilder}, then
 * encoded as pprof ({@link PprofEncoder}) and, for {@code record}, drawn as a flame graph.
 *
 * @param labels series labels of the target (service_name, namespace, pod, ...)
 * @param start start of the interval
 * @param duration length of the interval
 * @param periodNanos CPU nanoseconds one sample stands for, {@code 1e9 / frequencyHz}
 * @param mappings mappings, id = index + 1
 * @param locations locations, id = index + 1
 * @param functions functions, id = index + 1
 * @param samples samples, each with its location ids leaf first
 * @param comments human-readable notes carried in the pprof comments
 */
public record CpuProfile(
        SortedMap<String, String> labels,
        Instant start,
        Duration duration,
        long periodNanos,
        List<ProfileMapping> mappings,
        List<ProfileLocation> locations,
        List<ProfileFunction> functions,
        List<ProfileSample> samples,
        List<String> comments) {

    /**
     * A pprof mapping.
     *
     * @param hasFunctions every location in it resolved to a function
     */
    public record ProfileMapping(long start, long limit, long fileOffset, String file, String buildId, boolean hasFunctions) {}

    /**
     * A code address; {@code functionIds} holds its frames innermost first (several where inlined),
     * empty when unresolved, and {@code lines} their source lines (0 when unknown). {@code mappingId}
     * 0 means the address lay in no known mapping.
     */
    public record ProfileLocation(long mappingId, long address, long[] functionIds, long[] lines) {}

    /** A function; {@code systemName} is the name as the binary stores it. */
    public record ProfileFunction(String name, String systemName, String file) {}

    /**
     * One stack and its count; values are {@code count} samples and {@code count * period} CPU
     * nanoseconds.
     *
     * @param locationIds leaf first
     * @param labels string labels of the sample (pprof per-sample labels), may be empty
     */
    public record ProfileSample(long[] locationIds, long count, List<SampleLabel> labels) {}

    /** A per-sample pprof label: a string value, or a number when {@code str} is null. */
    public record SampleLabel(String key, String str, long num) {}

    /** Total samples. */
    public long totalSamples() {
        long total = 0;
        for (ProfileSample sample : samples) {
            total += sample.count();
        }
        return total;
    }

    /**
     * This profile with a first, empty mapping named {@code file}. pprof takes the first mapping
     * that is not a library or a {@code [bracketed]} pseudo-file as the profile's main binary and
     * shows its name as {@code File:}; without this, a whole-host profile is named after whichever
     * process happened to be sampled first.
     */
    public CpuProfile withMainMapping(String file) {
        List<ProfileMapping> shifted = new ArrayList<>(mappings.size() + 1);
        shifted.add(new ProfileMapping(0, 0, 0, file, "", true));
        shifted.addAll(mappings);
        List<ProfileLocation> moved = new ArrayList<>(locations.size());
        for (ProfileLocation location : locations) {
            moved.add(location.mappingId() == 0 ? location
                    : new ProfileLocation(location.mappingId() + 1, location.address(), location.functionIds(), location.lines()));
        }
        return new CpuProfile(labels, start, duration, periodNanos, List.copyOf(shifted), List.copyOf(moved), functions, samples, comments);
    }

    /** The gzipped pprof encoding, as exporters and {@code go tool pprof} take it. */
    public byte[] toGzippedPprof() {
        return PprofEncoder.gzipped(this);
    }
}
