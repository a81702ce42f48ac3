package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: deploy/'s RBAC on a real API server, acting with real tokens of the operator's and the
 * collectors' ServiceAccounts. Each identity can do what Scorch needs (sufficiency; the reconciler
 * and collector tests exercise it end to end) and nothing that would let it, or a namespace user,
 * take over the cluster (insufficiency).
 */
class RbacTest {
    private static final String NS = OperatorUnderTest.NAMESPACE;
    private static final String COLLECTOR = "scorch-collector";
    private static final String OTHER = "rbac-elsewhere";
    private static ControlPlane controlPlane;
    private static KubernetesClient admin;
    private static KubernetesClient operator;
    private static KubernetesClient collector;

    @BeforeAll
    static void install() {
        controlPlane = TestApiServer.controlPlane();
        admin = controlPlane.adminClient();
        DeployManifests.install(admin);
        for (String namespace : List.of(NS, OTHER)) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                    .serverSideApply();
            admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName("default").endMetadata().build()).serverSideApply();
        }
        operator = controlPlane.clientWithServiceAccountToken(NS, OperatorUnderTest.SERVICE_ACCOUNT);
        collector = controlPlane.clientWithServiceAccountToken(NS, COLLECTOR);
    }

    @Test
    void theOperatorHoldsEveryRightItUses() {
        for (String[] right : List.of(
                new String[] {"list", "scorch.dev", "profilingpolicies", null},
                new String[] {"watch", "scorch.dev", "profilingpolicies", null},
                new String[] {"patch", "scorch.dev", "profilingpolicies/status", null},
                new String[] {"create", "apps", "daemonsets", NS},
                new String[] {"patch", "apps", "daemonsets", NS},
                new String[] {"delete", "apps", "daemonsets", NS},
                new String[] {"watch", "apps", "daemonsets", NS},
                new String[] {"patch", "", "configmaps", NS},
                new String[] {"watch", "", "pods", NS},
                new String[] {"watch", "", "secrets", NS},
                new String[] {"create", "", "secrets", NS},
                new String[] {"watch", "", "nodes", null},
                new String[] {"patch", "coordination.k8s.io", "leases", NS},
                new String[] {"create", "", "events", "default"})) {
            assertThat(allowed(operator, right)).as("operator may %s %s/%s in %s", (Object[]) right).isTrue();
        }
    }

    @Test
    void theOperatorCannotDeleteOrChangeAnUnrelatedClusterRoleBinding() {
        ClusterRoleBinding unrelated = admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("rbac-test-ops-admins").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName("ops").endSubject()
                .build()).serverSideApply();

        assertForbidden(() -> operator.rbac().clusterRoleBindings().withName("rbac-test-ops-admins").delete());
        assertForbidden(() -> operator.rbac().clusterRoleBindings().withName("rbac-test-ops-admins")
                .edit(b -> new ClusterRoleBindingBuilder(b).editMetadata().addToLabels("hijacked", "yes").endMetadata()
                        .build()));
        assertForbidden(() -> operator.rbac().clusterRoleBindings().withName("cluster-admin").delete());

        assertThat(admin.rbac().clusterRoleBindings().withName("rbac-test-ops-admins").get().getMetadata()
                .getUid()).isEqualTo(unrelated.getMetadata().getUid());
    }

    @Test
    void theOperatorCannotGrantAnyRoleToAnyone() {
        assertForbidden(() -> operator.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("rbac-test-alice-collector").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", COLLECTOR)
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                .build()).create());
        assertForbidden(() -> operator.rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder()
                .withNewMetadata().withName("rbac-test-alice-operator").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", OperatorUnderTest.SERVICE_ACCOUNT)
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                .build()).create());
        for (String[] right : List.of(
                new String[] {"create", "rbac.authorization.k8s.io", "clusterrolebindings", null},
                new String[] {"bind", "rbac.authorization.k8s.io", "clusterroles", null},
                new String[] {"escalate", "rbac.authorization.k8s.io", "clusterroles", null},
                new String[] {"create", "rbac.authorization.k8s.io", "rolebindings", NS},
                new String[] {"create", "", "serviceaccounts", NS},
                new String[] {"create", "", "serviceaccounts/token", NS},
                new String[] {"create", "", "pods", NS},
                new String[] {"patch", "", "pods/status", NS},
                new String[] {"create", "scorch.dev", "profilingpolicies", null},
                new String[] {"get", "", "secrets", OTHER},
                new String[] {"create", "", "secrets", OTHER},
                new String[] {"patch", "", "secrets", NS},
                new String[] {"patch", "", "nodes", null},
                new String[] {"create", "apps", "daemonsets", OTHER},
                new String[] {"list", "", "secrets", "kube-system"})) {
            assertThat(allowed(operator, right)).as("operator may %s %s/%s in %s", (Object[]) right).isFalse();
        }
    }

    @Test
    void theCollectorReadsPodsEverywhereAndWritesOnlyPodStatusInItsNamespace() {
        String pod = "rbac-test-collector-" + Long.toHexString(System.nanoTime());
        admin.pods().inNamespace(NS).resource(pod(pod, COLLECTOR)).create();
        String elsewhere = "rbac-test-elsewhere-" + Long.toHexString(System.nanoTime());
        admin.pods().inNamespace(OTHER).resource(pod(elsewhere, "default")).create();

        assertThat(collector.pods().inAnyNamespace().withField("spec.nodeName", "rbac-node").list().getItems())
                .extracting(p -> p.getMetadata().getName()).contains(pod, elsewhere);
        assertThat(collector.namespaces().list().getItems()).isNotEmpty();
        collector.pods().inNamespace(NS).withName(pod).editStatus(p -> new PodBuilder(p).editOrNewStatus()
                .addToConditions(collecting()).endStatus().build());
        assertThat(admin.pods().inNamespace(NS).withName(pod).get().getStatus().getConditions())
                .anySatisfy(c -> assertThat(c.getType()).isEqualTo("scorch.dev/Collecting"));

        for (String[] right : List.of(
                new String[] {"watch", "", "pods", null},
                new String[] {"watch", "", "nodes", null},
                new String[] {"watch", "", "namespaces", null},
                new String[] {"get", "apps", "replicasets", OTHER},
                new String[] {"get", "batch", "jobs", OTHER})) {
            assertThat(allowed(collector, right)).as("collector may %s %s/%s in %s", (Object[]) right).isTrue();
        }
        assertForbidden(() -> collector.pods().inNamespace(OTHER).withName(elsewhere).editStatus(p -> new PodBuilder(p)
                .editOrNewStatus().addToConditions(collecting()).endStatus().build()));
        for (String[] right : List.of(
                new String[] {"watch", "", "secrets", NS},
                new String[] {"patch", "", "pods", NS},
                new String[] {"delete", "", "pods", NS},
                new String[] {"create", "", "pods/exec", NS},
                new String[] {"patch", "", "pods/status", OTHER},
                new String[] {"patch", "scorch.dev", "profilingpolicies/status", null},
                new String[] {"list", "apps", "replicasets", NS},
                new String[] {"create", "rbac.authorization.k8s.io", "clusterrolebindings", null})) {
            assertThat(allowed(collector, right)).as("collector may %s %s/%s in %s", (Object[]) right).isFalse();
        }
    }

    @Test
    void onlyTheCollectorsServiceAccountMayWritePodStatusInTheInstallNamespace() {
        String pod = "rbac-test-status-" + Long.toHexString(System.nanoTime());
        admin.pods().inNamespace(NS).resource(pod(pod, COLLECTOR)).create();
        KubernetesClient namespaceDefault = controlPlane.clientWithServiceAccountToken(NS, "default");

        assertForbidden(() -> namespaceDefault.pods().inNamespace(NS).withName(pod).editStatus(p -> new PodBuilder(p)
                .editOrNewStatus().addToConditions(collecting()).endStatus().build()));
        assertThat(allowed(operator, new String[] {"patch", "", "pods/status", NS})).isFalse();
    }

    @Test
    void aNamespaceAdminCannotBorrowTheOperatorsOrTheCollectorsRights() {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-rbac").endMetadata().build())
                .serverSideApply();
        admin.rbac().roleBindings().inNamespace("team-rbac").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("carol-admin").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "admin")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("carol").endSubject()
                .build()).serverSideApply();
        KubernetesClient carol = controlPlane.clientAs("carol");

        assertForbidden(() -> carol.rbac().roleBindings().inNamespace("team-rbac").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("carol-operator").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", OperatorUnderTest.SERVICE_ACCOUNT)
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("carol").endSubject()
                .build()).create());
        assertForbidden(() -> carol.serviceAccounts().inNamespace(NS).withName(COLLECTOR).get());
        assertForbidden(() -> carol.rbac().clusterRoleBindings().withName(COLLECTOR).delete());
        assertThat(allowed(carol, new String[] {"create", "", "serviceaccounts/token", NS})).isFalse();
        assertThat(allowed(carol, new String[] {"create", "", "pods", NS})).isFalse();
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String name, String serviceAccount) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName("rbac-node").withServiceAccountName(serviceAccount)
                .withAutomountServiceAccountToken(false)
                .addNewContainer().withName("c").withImage("scorch-collector:test").endContainer()
                .endSpec().build();
    }

    private static io.fabric8.kubernetes.api.model.PodCondition collecting() {
        String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        return new PodConditionBuilder().withType("scorch.dev/Collecting").withStatus("True").withReason("Collecting")
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    /** Whether {@code client} may do {verb, group, resource, namespace}, as the API server decides it. */
    private static boolean allowed(KubernetesClient client, String[] right) {
        SelfSubjectAccessReview review = client.authorization().v1().selfSubjectAccessReview().create(
                new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                        .withVerb(right[0]).withGroup(right[1]).withResource(right[2].split("/")[0])
                        .withSubresource(right[2].contains("/") ? right[2].split("/")[1] : null)
                        .withNamespace(right[3])
                        .endResourceAttributes().endSpec().build());
        return review.getStatus().getAllowed();
    }

    private static void assertForbidden(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).as(e.getMessage()).isEqualTo(403));
    }
}
