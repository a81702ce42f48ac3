package dev.scorch.operator.reconciler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The Node informer's store: it keeps what decides which policies select a node (name, labels,
 * taints) and drops the rest (status, images, addresses), the bulk of a Node on large clusters.
 */
final class NodeStore extends BasicItemStore<Node> {
    NodeStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public Node put(String key, Node node) {
        return super.put(key, placementOnly(node));
    }

    static Node placementOnly(Node node) {
        return new NodeBuilder()
                .withNewMetadata()
                .withName(node.getMetadata().getName())
                .withUid(node.getMetadata().getUid())
                .withResourceVersion(node.getMetadata().getResourceVersion())
                .withLabels(node.getMetadata().getLabels())
                .endMetadata()
                .withNewSpec()
                .withTaints(node.getSpec() == null ? null : node.getSpec().getTaints())
                .endSpec()
                .build();
    }

    /** Whether the change from {@code before} to {@code after} can change which policies select the node. */
    static boolean placementChanged(Node after, Node before) {
        Node a = placementOnly(after);
        Node b = placementOnly(before);
        return !java.util.Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
                || !java.util.Objects.equals(a.getSpec().getTaints(), b.getSpec().getTaints());
    }
}
