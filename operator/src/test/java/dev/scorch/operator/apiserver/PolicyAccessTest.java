package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: who may read and write policies with deploy/'s roles: a policy is cluster-scoped and no
 * write verb aggregates into admin or edit; the view role reads them.
 */
class PolicyAccessTest {
    private static final String PARCA = OperatorUnderTest.PARCA;

    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();

    @Test
    void aNamespaceAdminCannotCreateAPolicy() {
        operator.admin().namespaces().resource(new NamespaceBuilder()
                .withNewMetadata().withName("team-a").endMetadata().build()).serverSideApply();
        operator.admin().rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("alice-admin").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("admin")
                .endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                .build()).serverSideApply();
        KubernetesClient alice = operator.controlPlane().clientAs("alice", "system:authenticated");

        assertThatThrownBy(() -> alice.resource(Policies.parse("by-alice", PARCA)).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
    }

    @Test
    void theViewRoleReadsPoliciesButCannotWriteThem() {
        operator.create("viewed", PARCA);
        operator.admin().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("bob-views-policies").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName("scorch-policies-view").endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("bob").endSubject()
                .build()).serverSideApply();
        KubernetesClient bob = operator.controlPlane().clientAs("bob", "system:authenticated");

        Eventually.assertThat(() -> assertThat(bob.resources(ProfilingPolicy.class).withName("viewed").get()).isNotNull());
        assertThatThrownBy(() -> bob.resources(ProfilingPolicy.class).withName("viewed").delete())
                .isInstanceOf(KubernetesClientException.class);
        assertThat(operator.admin().rbac().clusterRoles().withName("scorch-policies-view").get().getMetadata().getLabels())
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
    }
}
