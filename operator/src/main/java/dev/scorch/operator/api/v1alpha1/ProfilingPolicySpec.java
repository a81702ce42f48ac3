package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What a ProfilingPolicy asks for: where collectors run, what they profile, how often they sample
 * and where the profiles go.
 *
 * @param suspend true stops the collectors serving the policy and keeps the policy; status then
 *     says Suspended
 * @param nodes the nodes that run a collector; absent means every schedulable Linux node
 * @param targets what is profiled on the selected nodes; absent means every pod and no host processes
 * @param sampling how the collectors sample CPUs
 * @param export where and how often profiles are shipped
 * @param collector deprecated and ignored: one collector per node serves every policy, so its image,
 *     security mode, resources and priority class are operator settings now (Helm values
 *     collector.*, docs/operator.md); a policy that still sets it gets a Warning Event
 * @param pull Go runtime profiles (heap, allocations, goroutines, mutex, block) pulled from the
 *     selected pods that serve pprof; absent means none are pulled
 * @param triggers profiles captured automatically when a selected container's CPU, memory or
 *     goroutines jump; absent means no captures
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.triggers) || has(self.pull) || self.triggers.rules.all(r, r.metric != 'goroutines')",
        message = "spec.triggers.rules: a goroutines rule needs spec.pull (the count comes from the pod's pprof goroutine profile)")
public record ProfilingPolicySpec(
        @Default("false") Boolean suspend,
        NodePlacement nodes,
        TargetSelection targets,
        @Default("{}") Sampling sampling,
        @Required Export export,
        CollectorSettings collector,
        Pull pull,
        Triggers triggers) {

    public ProfilingPolicySpec {
        suspend = suspend != null && suspend;
        sampling = sampling != null ? sampling : new Sampling(null, null, null);
    }
}
