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

    /** Samples with a frame of the function {@code name} anywhere in their stack. */
    static long withFunction(CpuProfile profile, String name) {
        long count = 0;
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            boolean found = false;
            for (long id : sample.locationIds()) {
                for (long function : profile.locations().get((int) id - 1).functionIds()) {
                    found |= profile.functions().get((int) function - 1).name().equals(name);
                }
            }
            if (found) {
                count += sample.count();
            }
        }
        return count;
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
