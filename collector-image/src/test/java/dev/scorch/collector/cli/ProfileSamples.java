package dev.scorch.collector.cli;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolizer;

import java.util.Map;
import java.util.TreeMap;

/** Symbolizes a test recording the way {@code record} does and counts samples by leaf function. */
final class ProfileSamples {

    private ProfileSamples() {}

    static CpuProfile build(Recording.Result result, int frequencyHz) {
        return build(result, frequencyHz, new Symbolizer(Symbolizer.Settings.defaults(), PerfMapWriter.NONE, result.objectFiles()));
    }

    static CpuProfile build(Recording.Result result, int frequencyHz, Symbolizer symbolizer) {
        return new CpuProfileBuilder(symbolizer, result.processes(), true)
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

    /**
     * Samples whose stack starts with the functions {@code names}, leaf first (frames of other
     * functions in between are not allowed), out of the samples whose leaf is {@code names[0]}.
     *
     * @return {matching, samples with that leaf}
     */
    static long[] withCallChain(CpuProfile profile, String... names) {
        long matching = 0;
        long withLeaf = 0;
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            long[] ids = sample.locationIds();
            if (ids.length == 0 || !names[0].equals(frameName(profile, ids[0]))) {
                continue;
            }
            withLeaf += sample.count();
            boolean all = ids.length >= names.length;
            for (int i = 1; all && i < names.length; i++) {
                all = names[i].equals(frameName(profile, ids[i]));
            }
            if (all) {
                matching += sample.count();
            }
        }
        return new long[] {matching, withLeaf};
    }

    /** The innermost function name of a location, "?" when unnamed. */
    static String frameName(CpuProfile profile, long locationId) {
        CpuProfile.ProfileLocation location = profile.locations().get((int) locationId - 1);
        return location.functionIds().length == 0 ? "?" : profile.functions().get((int) location.functionIds()[0] - 1).name();
    }

    /** Samples with a frame whose function name contains {@code part}. */
    static long withFunctionContaining(CpuProfile profile, String part) {
        long count = 0;
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            for (long id : sample.locationIds()) {
                if (frameName(profile, id).contains(part)) {
                    count += sample.count();
                    break;
                }
            }
        }
        return count;
    }

    /** Samples with a frame whose function name contains any of {@code parts}. */
    static long withFunctionContainingAny(CpuProfile profile, java.util.Collection<String> parts) {
        long count = 0;
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            boolean found = false;
            for (long id : sample.locationIds()) {
                String name = frameName(profile, id);
                found |= parts.stream().anyMatch(name::contains);
            }
            if (found) {
                count += sample.count();
            }
        }
        return count;
    }

    static long total(CpuProfile profile) {
        return profile.samples().stream().mapToLong(CpuProfile.ProfileSample::count).sum();
    }
}
