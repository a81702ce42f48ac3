package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ControlPlaneTest {

    private static ControlPlane controlPlane;
    private static KubernetesClient admin;

    @BeforeAll
    static void startControlPlane() {
        controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        admin = controlPlane.adminClient();
    }

    @Test
    void servesTheKubernetesReleaseTheBinariesWereBuiltFrom() {
        assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v" + TestBinaries.KUBERNETES_VERSION);
    }

    @Test
    void aConfigMapRoundTrips() {
        createNamespace("round-trip");
        admin.configMaps().inNamespace("round-trip").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("greeting").endMetadata()
                .withData(Map.of("hello", "world"))
                .build()).create();

        ConfigMap read = admin.configMaps().inNamespace("round-trip").withName("greeting").get();

        assertThat(read.getData()).containsEntry("hello", "world");
    }

    @Test
    void aUserBoundOnlyInOneNamespaceWorksThereButIsRefusedClusterScopedWrites() {
        createNamespace("team-a");
        // Not the aggregated ClusterRole "admin": without kube-controller-manager nothing fills it.
        admin.rbac().roles().inNamespace("team-a").resource(new RoleBuilder()
                .withNewMetadata().withName("everything-here").endMetadata()
                .addNewRule().withApiGroups("*").withResources("*").withVerbs("*").endRule()
                .build()).create();
        admin.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("alice-admin").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "everything-here")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                .build()).create();
        KubernetesClient alice = controlPlane.clientAs("alice", "team-a-developers");

        alice.configMaps().inNamespace("team-a").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("allowed").endMetadata().build()).create();

        assertThatThrownBy(() -> alice.namespaces().resource(new NamespaceBuilder()
                .withNewMetadata().withName("alice-was-here").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        assertThatThrownBy(() -> alice.rbac().clusterRoles().resource(new ClusterRoleBuilder()
                .withNewMetadata().withName("alice-everything").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }

    @Test
    void aRealServiceAccountTokenGetsExactlyTheRightsItsRoleGrants() {
        createNamespace("token-holder");
        admin.serviceAccounts().inNamespace("token-holder").resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("reader").endMetadata().build()).create();
        admin.rbac().roles().inNamespace("token-holder").resource(new RoleBuilder()
                .withNewMetadata().withName("read-config-maps").endMetadata()
                .addNewRule().withApiGroups("").withResources("configmaps").withVerbs("get", "list").endRule()
                .build()).create();
        admin.rbac().roleBindings().inNamespace("token-holder").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("reader-reads").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "read-config-maps")
                .addNewSubject().withKind("ServiceAccount").withName("reader").withNamespace("token-holder").endSubject()
                .build()).create();
        KubernetesClient reader = controlPlane.clientWithServiceAccountToken("token-holder", "reader");

        assertThat(reader.configMaps().inNamespace("token-holder").list().getItems()).isNotNull();
        assertThatThrownBy(() -> reader.secrets().inNamespace("token-holder").list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }

    private static void createNamespace(String name) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }
}
