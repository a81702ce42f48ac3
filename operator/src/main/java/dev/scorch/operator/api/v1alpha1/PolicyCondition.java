package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One observation about a ProfilingPolicy, in the shape of Kubernetes conditions.
 *
 * @param type Ready (every selected node collects), Progressing (a rollout is under way) or
 *     Degraded (something needs an admin's attention)
 * @param status True, False or Unknown
 * @param reason a CamelCase word saying why, e.g. NodesFailing, SecretMissing, Suspended
 * @param message one human sentence with the details
 * @param lastTransitionTime when status last changed (a new reason under the same status keeps it)
 * @param observedGeneration the metadata.generation this condition was computed for
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyCondition(
        String type,
        String status,
        String reason,
        String message,
        String lastTransitionTime,
        Long observedGeneration) {
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";
}
