package dev.scorch.operator.resources;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;

/**
 * Grants a policy's ServiceAccount the collector ClusterRole of deploy/ (watch pods cluster-wide for
 * its node, patch its own pod's status). Cluster-scoped, owned by the cluster-scoped policy.
 */
public final class CollectorClusterRoleBinding {
    /** The ClusterRole deploy/ installs for collectors; the operator may bind only this one. */
    public static final String COLLECTOR_CLUSTER_ROLE = "scorch-collector";

    private CollectorClusterRoleBinding() {}

    /** scorch-collector-<policy>: cluster-scoped names must not collide with other installs' objects. */
    public static String name(ProfilingPolicy policy) {
        return COLLECTOR_CLUSTER_ROLE + "-" + policy.getMetadata().getName();
    }

    public static ClusterRoleBinding desired(ProfilingPolicy policy, OperatorSettings settings) {
        return new ClusterRoleBindingBuilder()
                .withMetadata(Owned.metadata(policy, name(policy), null))
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName(COLLECTOR_CLUSTER_ROLE)
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(CollectorLabels.objectName(policy))
                .withNamespace(settings.namespace())
                .endSubject()
                .build();
    }
}
