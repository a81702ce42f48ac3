package dev.scorch.operator;

import dev.scorch.operator.api.v1alpha1.SecurityMode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;

/**
 * How the collector pods run, for every policy alike: one collector per node serves all policies,
 * so these belong to the installation (operator configuration, Helm values {@code collector.*}),
 * not to a team's policy.
 *
 * @param image the collector image, released with the operator
 * @param securityMode capabilities (unprivileged, only what sampling needs) or privileged (the
 *     fallback for kernels older than 5.8 and runtimes that cannot grant CAP_PERFMON)
 * @param resources CPU and memory of each collector container
 * @param priorityClassName priority class of the collector pods, or null for the cluster default
 */
public record CollectorPodSettings(String image, SecurityMode securityMode, ResourceRequirements resources,
        String priorityClassName) {

    /** The default resources as JSON, the form the operator configuration takes them in. */
    public static final String DEFAULT_RESOURCES_JSON = "{\"limits\":{\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"10m\",\"memory\":\"128Mi\"}}";

    /** {@code image} with the default security mode and resources and no priority class. */
    public static CollectorPodSettings defaults(String image) {
        return new CollectorPodSettings(image, SecurityMode.CAPABILITIES, defaultResources(), null);
    }

    /**
     * Default collector resources, from measurement (docs/benchmarks.md): a collector in its pod
     * holds about 120 MiB RSS, and up to 160 MiB serving 20 policies with network backends under
     * heavy process churn; its heap is capped at 64 MiB, so the rest (code, metaspace, threads,
     * buffers) is bounded too. The request is what a typical node holds, so the scheduler counts it;
     * the limit keeps headroom above the worst measured, since an out-of-memory kill would stop
     * profiling of the whole node.
     */
    public static ResourceRequirements defaultResources() {
        return new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("10m"), "memory", new Quantity("128Mi")))
                .withLimits(Map.of("memory", new Quantity("256Mi")))
                .build();
    }
}
