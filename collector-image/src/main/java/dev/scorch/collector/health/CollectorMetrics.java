package dev.scorch.collector.health;

import dev.scorch.collector.export.BackendHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The collector's Prometheus metrics, read from the parts that own the numbers at scrape time (no
 * second set of counters to keep in step).
 */
public final class CollectorMetrics {

    private record Counter(String name, String help, String type, LongSupplier value) {}

    private record Family(String name, String help, String label, Supplier<Map<String, Long>> values) {}

    private record LabelledFamily(String name, String help, List<String> labels, Supplier<Map<List<String>, Long>> values) {}

    private final List<Counter> counters = new ArrayList<>();
    private final List<Family> families = new ArrayList<>();
    private final List<LabelledFamily> labelledFamilies = new ArrayList<>();
    private final Supplier<List<PolicyBackend>> backends;

    /**
     * One backend of one policy; two policies may name their backends alike.
     *
     * @param policy the policy's name
     * @param health the backend's health, named by the policy
     */
    public record PolicyBackend(String policy, BackendHealth health) {}

    /** @param backends each policy's backends' health at scrape time */
    public CollectorMetrics(Supplier<List<PolicyBackend>> backends) {
        this.backends = backends;
    }

    /** Registers a monotonically increasing number. */
    public CollectorMetrics counter(String name, String help, LongSupplier value) {
        counters.add(new Counter(name, help, "counter", value));
        return this;
    }

    /** Registers a number that goes up and down. */
    public CollectorMetrics gauge(String name, String help, LongSupplier value) {
        counters.add(new Counter(name, help, "gauge", value));
        return this;
    }

    /** Registers a counter with one label, e.g. misses by {@code reason}. */
    public CollectorMetrics counterFamily(String name, String help, String label, Supplier<Map<String, Long>> values) {
        families.add(new Family(name, help, label, values));
        return this;
    }

    /**
     * Registers a counter with several labels, e.g. pull failures by {@code policy}, {@code pod}
     * and {@code reason}: each key of {@code values} holds the label values in the order of {@code labels}.
     */
    public CollectorMetrics counterFamily(String name, String help, List<String> labels, Supplier<Map<List<String>, Long>> values) {
        labelledFamilies.add(new LabelledFamily(name, help, List.copyOf(labels), values));
        return this;
    }

    /** The metrics in the Prometheus text exposition format (version 0.0.4). */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        for (Counter counter : counters) {
            header(out, counter.name(), counter.help(), counter.type());
            out.append(counter.name()).append(' ').append(counter.value().getAsLong()).append('\n');
        }
        for (Family family : families) {
            header(out, family.name(), family.help(), "counter");
            for (Map.Entry<String, Long> value : new TreeMap<>(family.values().get()).entrySet()) {
                out.append(family.name()).append('{').append(family.label()).append("=\"").append(escape(value.getKey()))
                        .append("\"} ").append(value.getValue()).append('\n');
            }
        }
        for (LabelledFamily family : labelledFamilies) {
            header(out, family.name(), family.help(), "counter");
            Map<String, Long> lines = new TreeMap<>();
            family.values().get().forEach((values, count) -> {
                StringBuilder labels = new StringBuilder();
                for (int i = 0; i < family.labels().size() && i < values.size(); i++) {
                    labels.append(i == 0 ? "" : ",").append(family.labels().get(i)).append("=\"").append(escape(values.get(i))).append('"');
                }
                lines.put(labels.toString(), count);
            });
            lines.forEach((labels, count) -> out.append(family.name()).append('{').append(labels).append("} ").append(count).append('\n'));
        }
        List<PolicyBackend> health = backends.get();
        perBackend(out, health, "scorch_export_sent_total", "Profiles the backend accepted.", "counter", BackendHealth::sent);
        perBackend(out, health, "scorch_export_retried_total", "Delivery attempts that failed and were retried.", "counter",
                BackendHealth::retried);
        perBackend(out, health, "scorch_export_queued_bytes", "Bytes waiting in the backend's spool.", "gauge", BackendHealth::queuedBytes);
        header(out, "scorch_export_dropped_total", "Profiles dropped, by reason.", "counter");
        for (PolicyBackend backend : health) {
            for (Map.Entry<String, Long> drop : new TreeMap<>(backend.health().dropped()).entrySet()) {
                out.append("scorch_export_dropped_total{").append(labels(backend))
                        .append(",reason=\"").append(escape(drop.getKey())).append("\"} ").append(drop.getValue()).append('\n');
            }
        }
        header(out, "scorch_export_last_success_timestamp_seconds", "When the backend last accepted a profile (Unix time).", "gauge");
        for (PolicyBackend backend : health) {
            if (backend.health().lastSuccess() != null) {
                sample(out, "scorch_export_last_success_timestamp_seconds", backend, backend.health().lastSuccess().getEpochSecond());
            }
        }
        header(out, "scorch_export_failing", "1 while the backend's deliveries fail.", "gauge");
        for (PolicyBackend backend : health) {
            sample(out, "scorch_export_failing", backend, backend.health().failingSince() == null ? 0 : 1);
        }
        return out.toString();
    }

    private interface BackendValue {
        long of(BackendHealth health);
    }

    private static void perBackend(StringBuilder out, List<PolicyBackend> health, String name, String help, String type, BackendValue value) {
        header(out, name, help, type);
        for (PolicyBackend backend : health) {
            sample(out, name, backend, value.of(backend.health()));
        }
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, PolicyBackend backend, long value) {
        out.append(name).append('{').append(labels(backend)).append("} ").append(value).append('\n');
    }

    private static String labels(PolicyBackend backend) {
        return "policy=\"" + escape(backend.policy()) + "\",backend=\"" + escape(backend.health().backend()) + "\"";
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
