package dev.scorch.collector.flamegraph;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.PulledProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pulled Go profile as a flame-graph page: one sample type (the one {@code go tool pprof} shows
 * first for the type: in-use bytes of a heap, allocated bytes of allocs, goroutines, contention
 * delay) drawn with {@link FlameGraphWriter}, widths in that type's unit.
 */
public final class GoProfilePage {

    private GoProfilePage() {}

    /** The page of {@code profile}, pulled as {@code type}, covering {@code duration} from {@code start}. */
    public static String render(PulledProfile profile, GoProfileType type, Instant start, Duration duration) {
        int index = profile.sampleTypeIndex(shownType(type));
        if (index < 0) {
            index = profile.sampleTypes().size() - 1;
        }
        PulledProfile.ValueType shown = profile.sampleTypes().get(index);
        Map<Long, Long> functionIds = new HashMap<>();
        List<CpuProfile.ProfileFunction> functions = new ArrayList<>();
        for (Map.Entry<Long, PulledProfile.Function> f : new TreeMap<>(profile.functions()).entrySet()) {
            functions.add(new CpuProfile.ProfileFunction(f.getValue().name(), f.getValue().name(), f.getValue().file()));
            functionIds.put(f.getKey(), (long) functions.size());
        }
        Map<Long, Long> locationIds = new HashMap<>();
        List<CpuProfile.ProfileLocation> locations = new ArrayList<>();
        for (Map.Entry<Long, PulledProfile.Location> l : new TreeMap<>(profile.locations()).entrySet()) {
            // A line naming no function of the profile is left out: the frame shows as unresolved.
            List<PulledProfile.Line> lines = l.getValue().lines().stream().filter(line -> functionIds.containsKey(line.functionId())).toList();
            long[] ids = new long[lines.size()];
            long[] numbers = new long[lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                ids[i] = functionIds.get(lines.get(i).functionId());
                numbers[i] = lines.get(i).line();
            }
            locations.add(new CpuProfile.ProfileLocation(0, l.getValue().address(), ids, numbers));
            locationIds.put(l.getKey(), (long) locations.size());
        }
        List<CpuProfile.ProfileSample> samples = new ArrayList<>();
        for (PulledProfile.Sample sample : profile.samples()) {
            long value = sample.values()[index];
            if (value <= 0) {
                continue;
            }
            long[] stack = java.util.Arrays.stream(sample.locationIds()).filter(locationIds::containsKey).map(locationIds::get).toArray();
            samples.add(new CpuProfile.ProfileSample(stack, value, List.of()));
        }
        CpuProfile values = new CpuProfile(new TreeMap<>(), start, duration, 0, List.of(), List.copyOf(locations), List.copyOf(functions),
                List.copyOf(samples), List.of());
        return FlameGraphWriter.renderValues(values, "Go " + type.typeName() + " flame graph", shown.type(), shown.unit());
    }

    /** The sample type shown for {@code type}. */
    static String shownType(GoProfileType type) {
        return switch (type) {
            case HEAP -> "inuse_space";
            case ALLOCS, GODELTAPROF_HEAP -> "alloc_space";
            case GOROUTINE -> "goroutine";
            case MUTEX, BLOCK, GODELTAPROF_MUTEX, GODELTAPROF_BLOCK -> "delay";
        };
    }
}
