package dev.scorch.collector.cli;

import java.util.Locale;
import java.util.Optional;

/**
 * What the class-data training's API server ({@link TrainingSink#startApi}) serves a collector, in
 * the shapes a real API server answers: its node (labelled, with a taint the training's policy
 * tolerates, so placement judges both), one pod on it owned by a Deployment through a ReplicaSet
 * (the pod cache, the workload lookup), its namespace, watches that stay open without events, and
 * 200 to the status patches. Nothing here is on {@code run}'s path on a node.
 */
final class TrainingApi {
    static final String NAMESPACE = "shop";
    static final String NODE_LABEL = "scorch.dev/training";
    static final String TAINT_KEY = "scorch.dev/profiling";
    /** The pod's container, as the container runtime names it in the pod's status and cgroup path. */
    static final String CONTAINER_ID = "0123456789abcdef".repeat(4);

    private final String node;

    TrainingApi(String node) {
        this.node = node;
    }

    /** The JSON to answer the request whose line and headers are {@code head} with; empty: a watch, held open. */
    Optional<String> answer(String head) {
        String line = head.substring(0, Math.max(0, head.indexOf('\r')));
        String path = line.contains(" ") ? line.split(" ")[1] : "";
        if (!line.startsWith("GET ")) {
            return Optional.of("{}");
        }
        if (path.contains("watch=1") || path.contains("watch=true")) {
            return Optional.empty();
        }
        if (path.startsWith("/api/v1/nodes")) {
            return Optional.of(list(node()));
        }
        if (path.startsWith("/api/v1/pods")) {
            return Optional.of(list(pod()));
        }
        if (path.startsWith("/api/v1/namespaces")) {
            return Optional.of(list("""
                    {"metadata": {"name": "%s", "resourceVersion": "3", "labels": {"kubernetes.io/metadata.name": "%1$s", "team": "checkout"}}}
                    """.formatted(NAMESPACE)));
        }
        if (path.startsWith("/apis/apps/v1/namespaces/" + NAMESPACE + "/replicasets/checkout-7d4b9c")) {
            return Optional.of("""
                    {"kind": "ReplicaSet", "apiVersion": "apps/v1", "metadata": {"name": "checkout-7d4b9c", "namespace": "%s",
                     "uid": "b0e1a2c3-0000-4000-8000-000000000002", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                     "name": "checkout", "uid": "b0e1a2c3-0000-4000-8000-000000000003", "controller": true}]}}
                    """.formatted(NAMESPACE));
        }
        return Optional.of("{}");
    }

    private static String list(String item) {
        return """
                {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}, "items": [%s]}
                """.formatted(item);
    }

    private String node() {
        return String.format(Locale.ROOT, """
                {"metadata": {"name": "%s", "resourceVersion": "5", "labels": {"kubernetes.io/hostname": "%1$s", "kubernetes.io/os": "linux",
                 "%s": "true"}}, "spec": {"taints": [{"key": "%s", "value": "true", "effect": "NoSchedule"}]}}
                """, node, NODE_LABEL, TAINT_KEY);
    }

    private String pod() {
        return String.format(Locale.ROOT, """
                {"metadata": {"name": "checkout-7d4b9c-x2f8k", "namespace": "%s", "uid": "b0e1a2c3-0000-4000-8000-000000000001",
                 "resourceVersion": "6", "labels": {"app": "checkout", "pod-template-hash": "7d4b9c"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7d4b9c",
                   "uid": "b0e1a2c3-0000-4000-8000-000000000002", "controller": true}]},
                 "spec": {"nodeName": "%s", "containers": [{"name": "app", "ports": [{"containerPort": 8080, "name": "http"}]}]},
                 "status": {"phase": "Running", "containerStatuses": [{"name": "app", "containerID": "containerd://%s"}]}}
                """, NAMESPACE, node, CONTAINER_ID);
    }
}
