package dev.scorch.collector.kubernetes;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The collector's ServiceAccount in a test control plane, with the RBAC docs/contracts.md lists,
 * and an {@link ApiServer} authenticated with a real token of it (TokenRequest API).
 * Replace the roles with deploy/'s once the operator's install manifests hold the collector's.
 */
public final class CollectorServiceAccount {

    public static final String NAMESPACE = "scorch-system";
    public static final String NAME = "scorch-collector";

    private CollectorServiceAccount() {}

    /** Creates (idempotently) the namespace, ServiceAccount and RBAC; returns a client acting as the collector. */
    public static ApiServer create(ControlPlane controlPlane) throws KubernetesException {
        KubernetesClient admin = controlPlane.adminClient();
        namespaceWithDefaultAccount(admin, NAMESPACE, Map.of());
        admin.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(NAME).endMetadata().build()).serverSideApply();
        admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(NAME).endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups("").withResources("pods", "namespaces").withVerbs("list", "watch").build(),
                        new PolicyRuleBuilder().withApiGroups("apps").withResources("replicasets").withVerbs("get").build(),
                        new PolicyRuleBuilder().withApiGroups("batch").withResources("jobs").withVerbs("get").build())
                .build()).serverSideApply();
        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(NAME).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", NAME)
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(NAME).withNamespace(NAMESPACE).build())
                .build()).serverSideApply();
        admin.rbac().roles().inNamespace(NAMESPACE).resource(new RoleBuilder().withNewMetadata().withName(NAME).endMetadata()
                .withRules(new PolicyRuleBuilder().withApiGroups("").withResources("pods/status").withVerbs("patch").build())
                .build()).serverSideApply();
        admin.rbac().roleBindings().inNamespace(NAMESPACE).resource(new RoleBindingBuilder().withNewMetadata().withName(NAME).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", NAME)
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(NAME).withNamespace(NAMESPACE).build())
                .build()).serverSideApply();
        String token = controlPlane.serviceAccountToken(NAMESPACE, NAME);
        return new ApiServer(URI.create(controlPlane.url()),
                ApiServer.trusting(controlPlane.certificateAuthorityPem().getBytes(StandardCharsets.UTF_8)), () -> token);
    }

    /**
     * A namespace with its {@code default} ServiceAccount, which pods need; no controller manager
     * runs at tier 3 to create it.
     */
    public static void namespaceWithDefaultAccount(KubernetesClient admin, String namespace, Map<String, String> labels) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).withLabels(labels).endMetadata().build())
                .serverSideApply();
        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("default").endMetadata().build()).serverSideApply();
    }
}
