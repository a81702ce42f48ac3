package dev.scorch.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects the operator owns: the single source for both. */
public final class CollectorLabels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String COLLECTOR = "scorch-collector";
    public static final String NODE_COLLECTOR = "node-collector";
    public static final String OPERATOR = "scorch-operator";
    /** The one collector DaemonSet of the installation, and the ConfigMap holding every policy. */
    public static final String OBJECT_NAME = "scorch-collector";
    /** The one Secret holding the copies of the backends' credentials. */
    public static final String CREDENTIALS_NAME = "scorch-collector-credentials";
    /** Selects every object the operator manages; its informers watch only these. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;
    /** Selects the pods of the one collector DaemonSet (not those of the per-policy DaemonSets of old). */
    public static final String COLLECTOR_POD_SELECTOR = NAME + "=" + COLLECTOR + "," + COMPONENT + "=" + NODE_COLLECTOR
            + "," + MANAGED_SELECTOR;

    private CollectorLabels() {}

    /** Labels on every object the operator owns and on the collector pods. */
    public static Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>(selector());
        labels.put(MANAGED_BY, OPERATOR);
        return labels;
    }

    /**
     * The DaemonSet's pod selector: immutable, so it holds only what never changes. The component
     * label keeps it apart from the pods of the per-policy DaemonSets earlier versions made.
     */
    public static Map<String, String> selector() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, COLLECTOR);
        labels.put(COMPONENT, NODE_COLLECTOR);
        return labels;
    }

    /**
     * Whether {@code object} is one the versions with one DaemonSet per policy made: they labelled
     * it with its policy's name as instance, which the shared objects never carry.
     */
    public static boolean isPerPolicy(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels != null && labels.containsKey(INSTANCE);
    }
}
