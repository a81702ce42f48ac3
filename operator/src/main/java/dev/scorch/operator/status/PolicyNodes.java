package dev.scorch.operator.status;

import dev.scorch.operator.api.v1alpha1.NodePlacement;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which nodes a policy selects, judged as the collector on each node judges it (a Linux node whose
 * labels match the policy's selector and whose NoSchedule and NoExecute taints its tolerations
 * tolerate), so status counts exactly the nodes where the shared collector serves the policy. Pure.
 */
public final class PolicyNodes {
    /** Taints the DaemonSet controller tolerates on every DaemonSet pod (node conditions). */
    static final Set<String> DAEMONSET_TOLERATED = Set.of(
            "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
            "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
            "node.kubernetes.io/network-unavailable");
    private static final String OS = "kubernetes.io/os";

    private PolicyNodes() {}

    /** The names of the nodes among {@code nodes} that {@code policy} selects, sorted. */
    public static Set<String> selectedBy(ProfilingPolicy policy, Collection<Node> nodes) {
        Set<String> selected = new TreeSet<>();
        for (Node node : nodes) {
            if (selects(policy, node)) {
                selected.add(node.getMetadata().getName());
            }
        }
        return selected;
    }

    public static boolean selects(ProfilingPolicy policy, Node node) {
        Map<String, String> labels = Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of());
        if (!"linux".equals(labels.get(OS))) {
            return false;
        }
        NodePlacement placement = policy.getSpec().nodes();
        if (placement != null && !matches(placement.selector(), labels)) {
            return false;
        }
        List<Toleration> tolerations = placement == null || placement.tolerations() == null ? List.of() : placement.tolerations();
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        for (Taint taint : taints) {
            boolean repels = "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
            if (repels && !DAEMONSET_TOLERATED.contains(taint.getKey()) && tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
                if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                List<String> values = r.getValues() == null ? List.of() : r.getValues();
                boolean has = labels.containsKey(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> has && values.contains(labels.get(r.getKey()));
                    case "NotIn" -> !has || !values.contains(labels.get(r.getKey()));
                    case "Exists" -> has;
                    case "DoesNotExist" -> !has;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = Objects.requireNonNullElse(toleration.getEffect(), "");
        if (!effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = Objects.requireNonNullElse(toleration.getKey(), "");
        if ("Exists".equals(toleration.getOperator())) {
            return key.isEmpty() || key.equals(taint.getKey());
        }
        return key.equals(taint.getKey())
                && Objects.requireNonNullElse(toleration.getValue(), "").equals(Objects.requireNonNullElse(taint.getValue(), ""));
    }
}
