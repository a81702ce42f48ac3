package dev.scorch.collector.export;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * The labels a profile is stored under in Pyroscope and Parca. Both use Prometheus label names, so
 * a policy label such as {@code team.example/owner} becomes {@code team_example_owner}, and both
 * take the profile type from {@code __name__}.
 */
public final class SeriesLabels {

    /**
     * The profile name of a Go-shaped CPU profile (samples/count + cpu/nanoseconds). Parca names the
     * profiles it scrapes from Go's {@code /debug/pprof/profile} {@code process_cpu}, and Grafana's
     * eBPF profilers push CPU profiles to Pyroscope under the same name, so both backends show our
     * profiles next to what they already know.
     */
    public static final String CPU_PROFILE_NAME = "process_cpu";

    /**
     * The label holding the profile's name. Absent on CPU profiles ({@link #CPU_PROFILE_NAME});
     * pulled Go profiles carry theirs ({@code memory}, {@code goroutine}, {@code mutex}, {@code block}).
     */
    public static final String NAME = "__name__";

    private SeriesLabels() {}

    /**
     * {@code __name__} first, then the profile's labels with sanitized names; when two names
     * sanitize to the same one, the first (in sorted order) wins, because both backends reject
     * duplicate names.
     */
    public static Map<String, String> of(SortedMap<String, String> labels) {
        Map<String, String> series = new LinkedHashMap<>();
        series.put(NAME, labels.getOrDefault(NAME, CPU_PROFILE_NAME));
        for (var label : labels.entrySet()) {
            if (label.getValue() == null || label.getValue().isEmpty() || label.getKey().equals(NAME)) {
                continue;
            }
            series.putIfAbsent(sanitize(label.getKey()), label.getValue());
        }
        return series;
    }

    static String sanitize(String name) {
        var out = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            boolean digit = c >= '0' && c <= '9';
            out.append(letter || (digit && i > 0) ? c : '_');
        }
        // Names starting with "__" are reserved for the backends' own use.
        while (out.length() > 1 && out.charAt(0) == '_' && out.charAt(1) == '_') {
            out.deleteCharAt(0);
        }
        return out.isEmpty() ? "_" : out.toString();
    }
}
