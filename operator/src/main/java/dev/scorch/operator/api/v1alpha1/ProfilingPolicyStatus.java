package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the operator observed for a ProfilingPolicy: is profiling working, on how many nodes, and if
 * not, where and why.
 *
 * @param observedGeneration the metadata.generation of the policy this status describes
 * @param conditions Ready, Progressing and Degraded, each with a reason and a message
 * @param nodes how many nodes should run a collector and how many do
 * @param failingNodes up to 20 nodes whose collector is not collecting, most recent first
 * @param lastExportTime the latest successful export reported by any collector of this policy
 * @param daemonSet name of the collector DaemonSet (shared by every policy) in the operator's namespace
 * @param triggeredCaptures captures spec.triggers started, summed over the collectors serving the
 *     policy now (each counts since it started); every increase is also an Event with reason
 *     Captured, and the captured profiles carry the labels trigger and trigger_value
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProfilingPolicyStatus(
        Long observedGeneration,
        List<PolicyCondition> conditions,
        NodeCounts nodes,
        List<FailingNode> failingNodes,
        String lastExportTime,
        String daemonSet,
        Long triggeredCaptures) {

    /** A status without captures (a policy without triggers, or none yet). */
    public ProfilingPolicyStatus(Long observedGeneration, List<PolicyCondition> conditions, NodeCounts nodes, List<FailingNode> failingNodes,
            String lastExportTime, String daemonSet) {
        this(observedGeneration, conditions, nodes, failingNodes, lastExportTime, daemonSet, null);
    }

    /** This status with {@code captures} triggered captures; zero leaves the field out. */
    public ProfilingPolicyStatus withTriggeredCaptures(long captures) {
        return new ProfilingPolicyStatus(observedGeneration, conditions, nodes, failingNodes, lastExportTime, daemonSet,
                captures == 0 ? null : captures);
    }

    /** The condition of the given type, or null when the status has none. */
    public PolicyCondition condition(String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
    }
}
