package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.NodePlacement;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the one collector DaemonSet runs: on the union of the nodes the policies select. Pure and
 * order-free (terms and tolerations sorted and deduplicated), so only a change of placement changes
 * the pod template; the collector on each node decides which policies apply to it.
 */
public final class CollectorPlacement {
    private CollectorPlacement() {}

    /**
     * Required node affinity with one term per distinct policy selector (Kubernetes ORs the terms),
     * or null when some policy selects every node.
     */
    public static Affinity affinity(List<ProfilingPolicy> policies) {
        Map<String, NodeSelectorTerm> terms = new TreeMap<>();
        for (ProfilingPolicy policy : policies) {
            NodePlacement nodes = policy.getSpec().nodes();
            List<NodeSelectorRequirement> requirements = requirements(nodes == null ? null : nodes.selector());
            if (requirements.isEmpty()) {
                return null;
            }
            NodeSelectorTerm term = new NodeSelectorTermBuilder().withMatchExpressions(requirements).build();
            terms.put(Serialization.asJson(term), term);
        }
        if (terms.isEmpty()) {
            return null;
        }
        return new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNodeSelectorTerms(List.copyOf(terms.values()))
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
    }

    /** Every toleration any policy has, each once. */
    public static List<Toleration> tolerations(List<ProfilingPolicy> policies) {
        Map<String, Toleration> tolerations = new TreeMap<>();
        for (ProfilingPolicy policy : policies) {
            NodePlacement nodes = policy.getSpec().nodes();
            if (nodes != null && nodes.tolerations() != null) {
                nodes.tolerations().forEach(t -> tolerations.put(Serialization.asJson(t), t));
            }
        }
        return List.copyOf(tolerations.values());
    }

    /** A label selector as node selector requirements (match labels become In with one value), sorted. */
    static List<NodeSelectorRequirement> requirements(LabelSelector selector) {
        Map<String, NodeSelectorRequirement> requirements = new TreeMap<>();
        if (selector != null && selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((key, value) -> add(requirements, new NodeSelectorRequirementBuilder()
                    .withKey(key).withOperator("In").withValues(value).build()));
        }
        if (selector != null && selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                add(requirements, new NodeSelectorRequirementBuilder().withKey(r.getKey()).withOperator(r.getOperator())
                        .withValues(r.getValues()).build());
            }
        }
        return new ArrayList<>(requirements.values());
    }

    private static void add(Map<String, NodeSelectorRequirement> requirements, NodeSelectorRequirement requirement) {
        requirements.put(Serialization.asJson(requirement), requirement);
    }
}
