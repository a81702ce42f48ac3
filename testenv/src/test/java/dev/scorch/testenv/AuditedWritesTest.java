package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link AuditLog#writesBy} on a real API server audited with {@link AuditLog#WRITES_POLICY}. */
class AuditedWritesTest {

    private static final String NAMESPACE = "audited";
    private static final String COMPONENT = "system:serviceaccount:" + NAMESPACE + ":component";

    private static ControlPlane controlPlane;

    @BeforeAll
    static void startAuditedControlPlane() {
        controlPlane = ControlPlane.start(ControlPlane.Options.apiServerOnly().auditedBy(AuditLog.WRITES_POLICY));
    }

    @AfterAll
    static void stop() {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @Test
    void countsAUsersWritesWithItsOwnTokenOrImpersonatedButNotItsReadsItsLeaseRenewalsOrOthersWrites() {
        KubernetesClient admin = controlPlane.adminClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        admin.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("component").endMetadata().build()).create();
        admin.rbac().roles().inNamespace(NAMESPACE).resource(new RoleBuilder().withNewMetadata().withName("component").endMetadata()
                .withRules(new PolicyRuleBuilder().withApiGroups("", "coordination.k8s.io").withResources("configmaps", "leases")
                        .withVerbs("get", "create", "patch").build())
                .build()).create();
        admin.rbac().roleBindings().inNamespace(NAMESPACE).resource(new RoleBindingBuilder().withNewMetadata().withName("component").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("component").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("component").withNamespace(NAMESPACE).endSubject()
                .build()).create();
        KubernetesClient withToken = controlPlane.clientWithServiceAccountToken(NAMESPACE, "component");
        KubernetesClient impersonated = controlPlane.clientAsServiceAccount(NAMESPACE, "component");

        withToken.configMaps().inNamespace(NAMESPACE).resource(configMap("own-token")).create();
        impersonated.configMaps().inNamespace(NAMESPACE).resource(configMap("impersonated")).create();
        withToken.configMaps().inNamespace(NAMESPACE).withName("own-token").get();
        withToken.leases().inNamespace(NAMESPACE).resource(new LeaseBuilder().withNewMetadata().withName("leader").endMetadata()
                .withNewSpec().withHolderIdentity("component").endSpec().build()).create();
        withToken.leases().inNamespace(NAMESPACE).withName("leader").edit(lease -> {
            lease.getSpec().setLeaseDurationSeconds(15);
            return lease;
        });
        admin.configMaps().inNamespace(NAMESPACE).resource(configMap("admins")).create();

        assertThat(AuditLog.writesBy(controlPlane.auditLog(), COMPONENT))
                .as("the two ConfigMaps the component created, with its token and impersonated").isEqualTo(2);
    }

    private static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", "v").build();
    }
}
