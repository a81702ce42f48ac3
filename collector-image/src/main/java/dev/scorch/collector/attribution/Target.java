package dev.scorch.collector.attribution;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a profile is about: one container of one pod, or the node's host processes. Identified by
 * its series labels (service_name, namespace, pod, container, node, plus the policy's labels).
 */
public record Target(SortedMap<String, String> labels) {

    /**
     * A pid whose container is not in the pod cache yet (the watch lags a new pod). Its stacks are
     * aggregated like any other target's and re-resolved at drain time.
     */
    public static final Target PENDING = Target.of(Map.of("service_name", "pending"));

    public Target {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static Target of(Map<String, String> labels) {
        return new Target(new TreeMap<>(labels));
    }

    public String serviceName() {
        return labels.getOrDefault("service_name", "unknown");
    }
}
