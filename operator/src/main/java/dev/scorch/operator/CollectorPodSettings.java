package dev.scorch.operator;

import dev.scorch.operator.api.v1alpha1.SecurityMode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How the collector pods run, for every policy alike: the collector is the cluster's, not a
 * team's, so these come from the operator's configuration (docs/operator.md), not from policies.
 *
 * @param securityMode capabilities (unprivileged, kernel 5.8 or later) or privileged
 * @param resources CPU and memory of each collector container
 * @param priorityClassName priority class of the collector pods, null for the cluster default
 */
public record CollectorPodSettings(SecurityMode securityMode, ResourceRequirements resources, String priorityClassName) {

    /** 10m CPU and 64Mi requested, memory limited to 160Mi, unprivileged, the cluster's default priority. */
    public static final CollectorPodSettings DEFAULT = new CollectorPodSettings(SecurityMode.CAPABILITIES,
            resources("10m", "64Mi", Optional.empty(), "160Mi"), null);

    /**
     * A copy of the resources for one desired object: fabric8 objects are mutable, and the same
     * settings serve every DaemonSet the operator renders.
     */
    public ResourceRequirements resourcesCopy() {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (resources.getRequests() != null) {
            resources.getRequests().forEach((name, quantity) -> requests.put(name, new Quantity(quantity.toString())));
        }
        if (resources.getLimits() != null) {
            resources.getLimits().forEach((name, quantity) -> limits.put(name, new Quantity(quantity.toString())));
        }
        return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build();
    }

    /** Requests and limits from quantities as written in the configuration, e.g. {@code 10m}, {@code 64Mi}. */
    public static ResourceRequirements resources(String cpuRequest, String memoryRequest, Optional<String> cpuLimit, String memoryLimit) {
        Map<String, Quantity> limits = new LinkedHashMap<>();
        cpuLimit.ifPresent(cpu -> limits.put("cpu", new Quantity(cpu)));
        limits.put("memory", new Quantity(memoryLimit));
        return new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity(cpuRequest), "memory", new Quantity(memoryRequest)))
                .withLimits(limits)
                .build();
    }

    /** The mode named as in the configuration: {@code capabilities} or {@code privileged}. */
    public static SecurityMode securityMode(String name) {
        return switch (name) {
            case "capabilities" -> SecurityMode.CAPABILITIES;
            case "privileged" -> SecurityMode.PRIVILEGED;
            default -> throw new IllegalArgumentException(
                    "scorch.collector-security-mode (SCORCH_COLLECTOR_SECURITY_MODE) must be capabilities or privileged, was \"" + name + "\"");
        };
    }
}
