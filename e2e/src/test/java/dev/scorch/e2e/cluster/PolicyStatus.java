package dev.scorch.e2e.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A ProfilingPolicy's status read as a cluster admin reads it (untyped, straight from the API
 * server), so the test checks the wire shape rather than the operator's own classes.
 */
public record PolicyStatus(Map<String, Object> raw) {

    /** The status of {@code policy}, empty when the operator has not written one yet. */
    @SuppressWarnings("unchecked")
    public static PolicyStatus of(GenericKubernetesResource policy) {
        Object status = policy == null ? null : policy.getAdditionalProperties().get("status");
        return new PolicyStatus(status instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of());
    }

    /** The condition of {@code type}, or an empty map. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> condition(String type) {
        Object conditions = raw.get("conditions");
        if (!(conditions instanceof List<?> list)) {
            return Map.of();
        }
        return list.stream().map(c -> (Map<String, Object>) c).filter(c -> type.equals(c.get("type")))
                .findFirst().orElse(Map.of());
    }

    public boolean conditionIs(String type, String status) {
        return status.equals(condition(type).get("status"));
    }

    /** {@code status.nodes.<field>}, 0 when absent. */
    @SuppressWarnings("unchecked")
    public int nodes(String field) {
        Object nodes = raw.get("nodes");
        if (nodes instanceof Map<?, ?> map && map.get(field) instanceof Number number) {
            return number.intValue();
        }
        return 0;
    }

    /** The failingNodes entry of {@code node}, or an empty map. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> failingNode(String node) {
        Object failing = raw.get("failingNodes");
        if (!(failing instanceof List<?> list)) {
            return Map.of();
        }
        return list.stream().map(f -> (Map<String, Object>) f).filter(f -> node.equals(f.get("node")))
                .findFirst().orElse(Map.of());
    }

    public Instant lastExportTime() {
        Object time = raw.get("lastExportTime");
        return time == null ? null : Instant.parse(time.toString());
    }

    public long observedGeneration() {
        return raw.get("observedGeneration") instanceof Number n ? n.longValue() : -1;
    }

    /** {@code status.triggeredCaptures}, 0 when absent. */
    public long triggeredCaptures() {
        return raw.get("triggeredCaptures") instanceof Number n ? n.longValue() : 0;
    }

    public String daemonSet() {
        Object name = raw.get("daemonSet");
        return name == null ? null : name.toString();
    }

    @Override
    public String toString() {
        return raw.toString();
    }
}
