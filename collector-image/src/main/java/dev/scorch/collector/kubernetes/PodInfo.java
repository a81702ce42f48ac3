package dev.scorch.collector.kubernetes;

import java.util.Map;

/**
 * What the collector keeps of a pod on its node: the fields that label profiles and feed
 * selectors, nothing else (a full pod object is tens of kilobytes).
 *
 * @param uid metadata.uid
 * @param namespace metadata.namespace
 * @param name metadata.name
 * @param node spec.nodeName
 * @param labels metadata.labels
 * @param workload the owning workload
 * @param containerNames container name by container id (the id without its {@code <runtime>://} prefix)
 * @param pprof where the pod serves Go profiles, if it says so
 */
public record PodInfo(String uid, String namespace, String name, String node, Map<String, String> labels,
        Workload workload, Map<String, String> containerNames, Pprof pprof) {

    public PodInfo {
        labels = Map.copyOf(labels);
        containerNames = Map.copyOf(containerNames);
    }

    /** A pod that announces no pprof endpoint. */
    public PodInfo(String uid, String namespace, String name, String node, Map<String, String> labels, Workload workload,
            Map<String, String> containerNames) {
        this(uid, namespace, name, node, labels, workload, containerNames, Pprof.NONE);
    }

    /**
     * What a pull needs of the pod, kept only while it carries pprof annotations.
     *
     * @param podIp status.podIP, empty before it has one
     * @param annotations the {@code scorch.dev/pprof-*} and {@code profiles.grafana.com/*} annotations
     * @param namedPorts containerPort by port name, over the pod's containers
     * @param containerByPort the container declaring each containerPort, for the {@code container} label
     */
    public record Pprof(String podIp, Map<String, String> annotations, Map<String, Integer> namedPorts,
            Map<Integer, String> containerByPort) {

        public static final Pprof NONE = new Pprof("", Map.of(), Map.of(), Map.of());

        public Pprof {
            annotations = Map.copyOf(annotations);
            namedPorts = Map.copyOf(namedPorts);
            containerByPort = Map.copyOf(containerByPort);
        }
    }
}
