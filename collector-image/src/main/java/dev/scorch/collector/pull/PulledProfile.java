package dev.scorch.collector.pull;

import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.ValuedProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * A pprof profile as a Go program serves it, decoded by {@link PprofDecoder} far enough to compute
 * per-interval deltas and to write it back: sample types, samples, and the symbol tables that name
 * a sample's stack. Everything else stays in {@link #encoded} and is copied verbatim when the
 * profile is rewritten ({@link PprofRewriter}).
 *
 * @param encoded the uncompressed {@code perftools.profiles.Profile} message
 * @param sampleTypes the value types, one per sample value, in order
 * @param samples the samples in the order the program wrote them
 * @param locations locations by id
 * @param functions functions by id
 * @param periodType what one period counts, null when absent
 * @param period the sampling period (Go heap profiles: the MemProfileRate in bytes)
 * @param timeNanos when the program wrote the profile, ns since the epoch (0 when absent)
 * @param keptFields byte ranges of the top-level fields a rewrite copies verbatim: everything but
 *     samples, time and duration, as (offset, length) pairs into {@link #encoded}
 */
public record PulledProfile(
        byte[] encoded,
        List<ValueType> sampleTypes,
        List<Sample> samples,
        Map<Long, Location> locations,
        Map<Long, Function> functions,
        ValueType periodType,
        long period,
        long timeNanos,
        int[] keptFields) {

    /** A sample type or the period type, e.g. {@code alloc_space/bytes}. */
    public record ValueType(String type, String unit) {
        @Override
        public String toString() {
            return type + "/" + unit;
        }
    }

    /**
     * One sample.
     *
     * @param locationIds the stack, leaf first
     * @param values one per sample type
     * @param labels the sample's labels, strings resolved
     * @param labelFields the sample's label fields as encoded, for a verbatim copy
     */
    public record Sample(long[] locationIds, long[] values, List<Label> labels, byte[] labelFields) {}

    /** A per-sample label: a string, or a number (with its unit) when {@code str} is null. */
    public record Label(String key, String str, long num, String numUnit) {}

    /** A code address and the frames there, innermost first (several where inlined). */
    public record Location(long address, List<Line> lines) {}

    /** One frame of a location. */
    public record Line(long functionId, long line) {}

    /** A function's name and source file. */
    public record Function(String name, String file) {}

    /** The index of the sample type named {@code type}, or -1. */
    public int sampleTypeIndex(String type) {
        for (int i = 0; i < sampleTypes.size(); i++) {
            if (sampleTypes.get(i).type().equals(type)) {
                return i;
            }
        }
        return -1;
    }

    /** The sum of one sample type over all samples (the goroutine count of a goroutine profile); 0 when absent. */
    public long total(String type) {
        int index = sampleTypeIndex(type);
        long total = 0;
        if (index >= 0) {
            for (Sample sample : samples) {
                total += sample.values()[index];
            }
        }
        return total;
    }

    /**
     * This profile for the OTLP encoder: its sample types and values, its functions and locations
     * renumbered to 1-based positions (a Go program's ids need not be), without mappings (Go
     * serves its profiles symbolized). A location or function a sample names but the profile lacks
     * becomes an empty one, as pprof readers treat it.
     */
    public ValuedProfile toValued(SortedMap<String, String> labels, Instant start, Duration duration) {
        Map<Long, Long> functionIds = new HashMap<>();
        List<ProfileFunction> functionList = new ArrayList<>();
        Map<Long, Long> locationIds = new HashMap<>();
        List<ProfileLocation> locationList = new ArrayList<>();
        List<ValuedProfile.ValuedSample> valued = new ArrayList<>(samples.size());
        for (Sample sample : samples) {
            long[] stack = new long[sample.locationIds().length];
            for (int i = 0; i < stack.length; i++) {
                stack[i] = locationIds.computeIfAbsent(sample.locationIds()[i], id -> {
                    Location location = locations.getOrDefault(id, new Location(0, List.of()));
                    long[] frames = new long[location.lines().size()];
                    long[] lines = new long[frames.length];
                    for (int f = 0; f < frames.length; f++) {
                        Line line = location.lines().get(f);
                        frames[f] = functionIds.computeIfAbsent(line.functionId(), fid -> {
                            Function function = functions.getOrDefault(fid, new Function("", ""));
                            functionList.add(new ProfileFunction(function.name(), function.name(), function.file()));
                            return (long) functionList.size();
                        });
                        lines[f] = line.line();
                    }
                    locationList.add(new ProfileLocation(0, location.address(), frames, lines));
                    return (long) locationList.size();
                });
            }
            valued.add(new ValuedProfile.ValuedSample(stack, sample.values()));
        }
        List<ValuedProfile.ValueType> types = sampleTypes.stream().map(t -> new ValuedProfile.ValueType(t.type(), t.unit())).toList();
        ValuedProfile.ValueType period = periodType == null ? null : new ValuedProfile.ValueType(periodType.type(), periodType.unit());
        return new ValuedProfile(labels, start, duration, types, period, this.period, List.of(), List.copyOf(locationList),
                List.copyOf(functionList), valued);
    }
}
