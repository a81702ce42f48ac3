package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A node whose collector is not collecting.
 *
 * @param node name of the node
 * @param reason why, e.g. CrashLoopBackOff, ImagePullBackOff, Unschedulable, PerfUnavailable,
 *     BackendUnreachable
 * @param message details from the kubelet, the scheduler or the collector itself
 * @param since when the collector started failing for this reason
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailingNode(String node, String reason, String message, String since) {}
