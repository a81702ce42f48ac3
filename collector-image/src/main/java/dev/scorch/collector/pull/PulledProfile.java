package dev.scorch.collector.pull;

import java.util.List;
import java.util.Map;

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
}
