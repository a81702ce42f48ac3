package dev.scorch.collector.cli;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.symbol.Symbolizer;

import java.util.Map;
import java.util.TreeMap;

/** Symbolizes a test recording the way {@code record} does and counts samples by leaf function. */
final class ProfileSamples {

    private ProfileSamples() {}

    static CpuProfile build(Recording.Result result, int frequencyHz) {
        return new CpuProfileBuilder(new Symbolizer(), result.processes(), true)
                .build(new TreeMap<>(Map.of("service_name", "test")), result.start(), result.duration(), frequencyHz, result.stacks());
    }

    /** Samples per name of the innermost function of their leaf location ("?" when unnamed). */
    static Map<String, Long> byLeafFunction(CpuProfile profile) {
        Map<String, Long> counts = new TreeMap<>();
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            String name = "?";
            if (sample.locationIds().length > 0) {
                CpuProfile.ProfileLocation leaf = profile.locations().get((int) sample.locationIds()[0] - 1);
                if (leaf.functionIds().length > 0) {
                    name = profile.functions().get((int) leaf.functionIds()[0] - 1).name();
                }
            }
            counts.merge(name, sample.count(), Long::sum);
        }
        return counts;
    }
}
