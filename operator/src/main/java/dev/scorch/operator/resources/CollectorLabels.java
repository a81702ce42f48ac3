package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects the operator owns for a policy: the single source for both. */
public final class CollectorLabels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String COLLECTOR = "scorch-collector";
    public static final String OPERATOR = "scorch-operator";
    /** Selects every object the operator manages; its informers watch only these. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;
    /** Selects every collector pod of every policy. */
    public static final String COLLECTOR_POD_SELECTOR = NAME + "=" + COLLECTOR + "," + MANAGED_SELECTOR;

    private CollectorLabels() {}

    /** The name of every namespaced object owned by {@code policy}: scorch-<policy>. */
    public static String objectName(ProfilingPolicy policy) {
        return objectName(policy.getMetadata().getName());
    }

    public static String objectName(String policyName) {
        return "scorch-" + policyName;
    }

    /** Labels on every owned object and on the collector pods. */
    public static Map<String, String> of(ProfilingPolicy policy) {
        Map<String, String> labels = new LinkedHashMap<>(selector(policy));
        labels.put(MANAGED_BY, OPERATOR);
        return labels;
    }

    /** The DaemonSet's pod selector: immutable, so it holds only what never changes. */
    public static Map<String, String> selector(ProfilingPolicy policy) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, COLLECTOR);
        labels.put(INSTANCE, policy.getMetadata().getName());
        return labels;
    }
}
