package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Settings of the collector pods.
 *
 * @param image collector image; absent uses the collector image released with the operator
 * @param securityMode capabilities runs the collector unprivileged with only the Linux
 *     capabilities sampling needs (kernel 5.8 or later; from 5.9 it also names binaries deleted or
 *     replaced while their process runs); privileged is the fallback for older kernels and
 *     restrictive runtimes
 * @param resources CPU and memory for each collector container; absent requests 10m CPU and 64Mi
 *     and limits memory to 160Mi
 * @param priorityClassName priority class of the collector pods, e.g. system-node-critical so
 *     collectors are not evicted first; absent uses the cluster default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CollectorSettings(
        @Size(max = 512) @Pattern("^[^\\s]+$") String image,
        @Default("capabilities") SecurityMode securityMode,
        ResourceRequirements resources,
        @Size(max = 253) @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String priorityClassName) {

    public CollectorSettings {
        securityMode = securityMode != null ? securityMode : SecurityMode.CAPABILITIES;
    }
}
