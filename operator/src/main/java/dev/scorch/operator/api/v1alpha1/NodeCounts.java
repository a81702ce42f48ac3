package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Collector counts over the nodes a policy selects.
 *
 * @param desired nodes that should run a collector (the DaemonSet's desiredNumberScheduled)
 * @param ready nodes whose collector pod is ready
 * @param collecting nodes whose collector reports scorch.dev/Collecting True
 * @param failing nodes whose collector is not collecting: crashing, not pulled, unschedulable or
 *     reporting a problem
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeCounts(Integer desired, Integer ready, Integer collecting, Integer failing) {}
