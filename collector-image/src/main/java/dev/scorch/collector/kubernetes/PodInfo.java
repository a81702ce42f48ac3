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
 */
public record PodInfo(String uid, String namespace, String name, String node, Map<String, String> labels,
        Workload workload, Map<String, String> containerNames) {

    public PodInfo {
        labels = Map.copyOf(labels);
        containerNames = Map.copyOf(containerNames);
    }
}
