package dev.scorch.operator.resources;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;

/** The identity of a policy's collectors, so the audit log tells which policy a collector serves. */
public final class CollectorServiceAccount {
    private CollectorServiceAccount() {}

    public static ServiceAccount desired(ProfilingPolicy policy, OperatorSettings settings) {
        return new ServiceAccountBuilder()
                .withMetadata(Owned.metadata(policy, CollectorLabels.objectName(policy), settings.namespace()))
                .build();
    }
}
