package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.kubernetes.NodeCache;
import java.util.Set;

/**
 * Whether a policy applies to this node, judged as the scheduler would have placed a collector of
 * that policy alone: the node's labels match its node selector, and its tolerations tolerate the
 * node's NoSchedule and NoExecute taints. Pure.
 */
final class PolicyPlacement {

    /**
     * Taints the DaemonSet controller tolerates on every DaemonSet pod (node conditions), so a
     * collector of the policy alone would have run there too.
     */
    static final Set<String> DAEMONSET_TOLERATED = Set.of(
            "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
            "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
            "node.kubernetes.io/network-unavailable");

    private PolicyPlacement() {}

    /**
     * Whether {@code nodes} admits {@code node}. A node not read yet (or not readable) has no
     * labels and no taints: it is admitted only by a policy without a node selector.
     */
    static boolean admits(PolicyConfig.Nodes nodes, NodeCache.Node node) {
        if (!nodes.selector().matches(node.labels())) {
            return false;
        }
        for (NodeCache.Taint taint : node.taints()) {
            boolean repels = taint.effect().equals("NoSchedule") || taint.effect().equals("NoExecute");
            if (repels && !DAEMONSET_TOLERATED.contains(taint.key()) && nodes.tolerations().stream().noneMatch(t -> tolerates(t, taint))) {
                return false;
            }
        }
        return true;
    }

    static boolean tolerates(PolicyConfig.Toleration toleration, NodeCache.Taint taint) {
        if (!toleration.effect().isEmpty() && !toleration.effect().equals(taint.effect())) {
            return false;
        }
        if (toleration.operator().equals("Exists")) {
            return toleration.key().isEmpty() || toleration.key().equals(taint.key());
        }
        return toleration.key().equals(taint.key()) && toleration.value().equals(taint.value());
    }
}
