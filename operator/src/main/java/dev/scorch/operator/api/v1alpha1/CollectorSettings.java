package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Deprecated and ignored: collector pod settings a policy carried before one collector served every
 * policy. The schema still reads them so existing manifests apply; the operator settings (Helm values
 * collector.*) decide instead.
 *
 * @param image ignored; the operator setting SCORCH_COLLECTOR_IMAGE (Helm value collector.image) decides
 * @param securityMode ignored; the operator setting SCORCH_COLLECTOR_SECURITY_MODE (Helm value
 *     collector.securityMode) decides
 * @param resources ignored; the operator setting SCORCH_COLLECTOR_RESOURCES (Helm value
 *     collector.resources) decides
 * @param priorityClassName ignored; the operator setting SCORCH_COLLECTOR_PRIORITY_CLASS_NAME (Helm
 *     value collector.priorityClassName) decides
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CollectorSettings(
        @Size(max = 512) @Pattern("^[^\\s]+$") String image,
        SecurityMode securityMode,
        ResourceRequirements resources,
        @Size(max = 253) @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String priorityClassName) {}
