package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Collector counts over the nodes a policy selects.
 *
 * @param desired nodes the policy selects: Linux nodes matching spec.nodes.selector whose taints
 *     spec.nodes.tolerations tolerate
 * @param ready of those, nodes whose collector pod is ready
 * @param collecting of those, nodes whose collector reports the policy's condition
 *     (<policy>.policy.scorch.dev/Collecting) True
 * @param failing nodes whose collector is not collecting: crashing, not pulled, unschedulable or
 *     reporting a problem
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeCounts(Integer desired, Integer ready, Integer collecting, Integer failing) {}
