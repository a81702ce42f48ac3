package dev.scorch.collector.profile;

import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * A profile with any sample types, as the OTLP encoder writes it ({@link OtlpProfilesEncoder}): a
 * CPU profile's two (samples and CPU time, from its counts) or a pulled Go profile's (allocations,
 * in-use memory, goroutines, contentions, ...). Ids are 1-based positions in the lists, as in
 * {@link CpuProfile}.
 *
 * @param labels series labels of the target
 * @param start start of the interval
 * @param duration length of the interval (zero for a snapshot)
 * @param sampleTypes what each sample value measures, in order
 * @param periodType what one period counts
 * @param period the sampling period in {@code periodType}'s unit (0 when none)
 * @param samples the samples, each with one value per sample type
 */
public record ValuedProfile(
        SortedMap<String, String> labels,
        Instant start,
        Duration duration,
        List<ValueType> sampleTypes,
        ValueType periodType,
        long period,
        List<ProfileMapping> mappings,
        List<ProfileLocation> locations,
        List<ProfileFunction> functions,
        List<ValuedSample> samples) {

    /** A sample or period type, e.g. {@code alloc_space/bytes}. */
    public record ValueType(String type, String unit) {}

    /**
     * One stack and its values.
     *
     * @param locationIds leaf first
     * @param values one per sample type
     */
    public record ValuedSample(long[] locationIds, long[] values) {}

    /** {@code profile}'s counts as pprof's CPU sample types: {@code samples/count} and {@code cpu/nanoseconds}. */
    public static ValuedProfile of(CpuProfile profile) {
        List<ValuedSample> samples = new ArrayList<>(profile.samples().size());
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            samples.add(new ValuedSample(sample.locationIds(), new long[] {sample.count(), sample.count() * profile.periodNanos()}));
        }
        ValueType cpu = new ValueType("cpu", "nanoseconds");
        return new ValuedProfile(profile.labels(), profile.start(), profile.duration(), List.of(new ValueType("samples", "count"), cpu),
                cpu, profile.periodNanos(), profile.mappings(), profile.locations(), profile.functions(), samples);
    }
}
