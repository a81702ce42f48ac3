package dev.scorch.collector.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.config.CollectorConfig;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.target.LabelSelector;
import dev.scorch.collector.target.PodTargetResolver;
import dev.scorch.collector.target.Target;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: the collector's pod watch, owner lookup and status patch against a real kube-apiserver
 * with RBAC on, authenticated with a real token of the collector's ServiceAccount that holds only
 * the rights docs/contracts.md lists.
 */
class CollectorOnApiServerTest {

    static final String SYSTEM = "scorch-system";
    static final String COLLECTOR = "scorch-collector";
    static final String SHOP = "shop";
    static final String NODE = "node-a";
    static final String OTHER_NODE = "node-b";
    static final Duration WAIT = Duration.ofSeconds(30);

    static ControlPlane controlPlane;
    static KubernetesClient admin;
    static ApiServer collectorApi;
    static ReplicaSet replicaSet;
    static PodCache pods;
    static NamespaceCache namespaces;
    static ListWatch podWatch;
    static ListWatch namespaceWatch;

    @BeforeAll
    static void clusterWithCollectorRbac() throws Exception {
        controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        admin = controlPlane.adminClient();
        for (String namespace : List.of(SYSTEM, SHOP)) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace)
                    .withLabels(namespace.equals(SHOP) ? Map.of("team", "checkout") : Map.of()).endMetadata().build()).serverSideApply();
            // No controller manager runs at tier 3, so nobody creates the default ServiceAccount pods need.
            admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName("default").endMetadata().build()).serverSideApply();
        }
        admin.serviceAccounts().inNamespace(SYSTEM).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(COLLECTOR).endMetadata().build()).serverSideApply();
        grantCollectorRbac();

        Deployment deployment = admin.apps().deployments().inNamespace(SHOP).resource(new DeploymentBuilder()
                .withNewMetadata().withName("checkout").endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", "checkout")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "checkout")).endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec()
                .endTemplate().endSpec().build()).serverSideApply();
        replicaSet = admin.apps().replicaSets().inNamespace(SHOP).resource(new ReplicaSetBuilder()
                .withNewMetadata().withName("checkout-5d8f7c9b4").withOwnerReferences(controllerRef("apps/v1", "Deployment",
                        deployment.getMetadata().getName(), deployment.getMetadata().getUid())).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", "checkout")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "checkout")).endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec()
                .endTemplate().endSpec().build()).serverSideApply();

        String token = controlPlane.serviceAccountToken(SYSTEM, COLLECTOR);
        collectorApi = new ApiServer(URI.create(controlPlane.url()),
                ApiServer.trusting(controlPlane.certificateAuthorityPem().getBytes(StandardCharsets.UTF_8)), () -> token);
        pods = new PodCache(new WorkloadResolver(collectorApi)::workloadOf);
        namespaces = new NamespaceCache();
        createPod(SHOP, "checkout-5d8f7c9b4-early", NODE, containerId(), replicaSet);
        createPod(SHOP, "elsewhere", OTHER_NODE, containerId(), replicaSet);
        podWatch = new ListWatch(collectorApi, "/api/v1/pods", "spec.nodeName=" + NODE, pods).start();
        namespaceWatch = new ListWatch(collectorApi, "/api/v1/namespaces", null, namespaces).start();
        assertThat(podWatch.awaitSynced(WAIT)).as("pod list under the collector's RBAC").isTrue();
        assertThat(namespaceWatch.awaitSynced(WAIT)).as("namespace list under the collector's RBAC").isTrue();
    }

    @AfterAll
    static void stopWatches() {
        if (podWatch != null) {
            podWatch.close();
        }
        if (namespaceWatch != null) {
            namespaceWatch.close();
        }
    }

    @Test
    void thePodWatchSeesThisNodesPodsOnly() throws Exception {
        String early = containerId();
        String late = containerId();
        String otherNode = containerId();
        createPod(SHOP, "listed-" + shortId(), NODE, early, replicaSet);
        createPod(SHOP, "watched-" + shortId(), NODE, late, replicaSet);
        createPod(SHOP, "other-node-" + shortId(), OTHER_NODE, otherNode, replicaSet);

        awaitTrue(() -> pods.byContainerId(early).isPresent() && pods.byContainerId(late).isPresent(), "pods of " + NODE + " in the cache");

        assertThat(pods.byContainerId(otherNode)).isEmpty();
        assertThat(pods.byContainerId(late)).hasValueSatisfying(pod -> {
            assertThat(pod.node()).isEqualTo(NODE);
            assertThat(pod.namespace()).isEqualTo(SHOP);
            assertThat(pod.containerNames()).containsEntry(late, "api");
        });
    }

    @Test
    void aReplicaSetsPodIsNamedAfterItsDeployment() throws Exception {
        String id = containerId();
        createPod(SHOP, "checkout-5d8f7c9b4-" + shortId(), NODE, id, replicaSet);

        awaitTrue(() -> pods.byContainerId(id).isPresent(), "the pod in the cache");

        assertThat(pods.byContainerId(id).get().workload()).isEqualTo(new Workload("Deployment", "checkout"));
    }

    @Test
    void aSelectedPodsProcessResolvesToItsLabelledTarget() throws Exception {
        String id = containerId();
        String name = "checkout-5d8f7c9b4-" + shortId();
        createPod(SHOP, name, NODE, id, replicaSet);
        String cgroup = "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UUID.randomUUID().toString().replace('-', '_')
                + ".slice/cri-containerd-" + id + ".scope\n";
        var selection = new CollectorConfig.Targets(new LabelSelector(Map.of("team", "checkout"), List.of()), LabelSelector.EVERYTHING, false);
        PodTargetResolver resolver = new PodTargetResolver(pid -> Optional.of(cgroup), pods, namespaces, selection,
                Map.of("cluster", "test"), NODE, System::nanoTime);

        awaitTrue(() -> resolver.resolve(4242).filter(t -> !t.equals(Target.PENDING)).isPresent(), "the pid resolved");

        assertThat(resolver.resolve(4242)).map(Target::labels).contains(new TreeMap<>(Map.of(
                "service_name", "shop/checkout", "namespace", SHOP, "pod", name, "container", "api", "node", NODE, "cluster", "test")));
    }

    @Test
    void theConditionPatchLandsOnTheCollectorsOwnPodStatus() throws Exception {
        String collectorPod = "scorch-collector-" + shortId();
        createPod(SYSTEM, collectorPod, NODE, containerId(), null);
        Instant exported = Instant.parse("2026-11-21T22:00:05Z");
        Instant transition = Instant.parse("2026-11-21T21:59:00Z");

        new PodStatusPatcher(collectorApi, SYSTEM, collectorPod).write(new CollectingCondition(CollectingReason.BackendUnreachable,
                "node node-a: backend parca has failed since 2026-11-21T21:58:00Z: connection refused", exported, transition));

        Pod pod = admin.pods().inNamespace(SYSTEM).withName(collectorPod).get();
        PodCondition condition = pod.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(CollectingCondition.TYPE)).findFirst().orElseThrow();
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo("BackendUnreachable");
        assertThat(condition.getMessage()).isEqualTo("node node-a: backend parca has failed since 2026-11-21T21:58:00Z: connection refused");
        assertThat(condition.getLastProbeTime()).isEqualTo("2026-11-21T22:00:05Z");
        assertThat(condition.getLastTransitionTime()).isEqualTo("2026-11-21T21:59:00Z");
        assertThat(pod.getStatus().getConditions()).as("other conditions survive the merge")
                .anySatisfy(c -> assertThat(c.getType()).isEqualTo("PodScheduled"));
    }

    @Test
    void theCollectorCannotPatchPodsOutsideItsNamespace() throws Exception {
        String other = "victim-" + shortId();
        createPod(SHOP, other, NODE, containerId(), null);

        assertThatThrownBy(() -> new PodStatusPatcher(collectorApi, SHOP, other).write(new CollectingCondition(
                CollectingReason.Collecting, "x", null, Instant.now())))
                .isInstanceOf(KubernetesException.class)
                .hasMessageContaining("HTTP 403");
    }

    /** The collector's RBAC as docs/contracts.md lists it; replace with deploy/ once it holds the collector's roles. */
    static void grantCollectorRbac() {
        admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(COLLECTOR).endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups("").withResources("pods", "namespaces").withVerbs("list", "watch").build(),
                        new PolicyRuleBuilder().withApiGroups("apps").withResources("replicasets").withVerbs("get").build(),
                        new PolicyRuleBuilder().withApiGroups("batch").withResources("jobs").withVerbs("get").build())
                .build()).serverSideApply();
        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(COLLECTOR).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", COLLECTOR)
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(COLLECTOR).withNamespace(SYSTEM).build())
                .build()).serverSideApply();
        admin.rbac().roles().inNamespace(SYSTEM).resource(new RoleBuilder().withNewMetadata().withName(COLLECTOR).endMetadata()
                .withRules(new PolicyRuleBuilder().withApiGroups("").withResources("pods/status").withVerbs("patch").build())
                .build()).serverSideApply();
        admin.rbac().roleBindings().inNamespace(SYSTEM).resource(new RoleBindingBuilder().withNewMetadata().withName(COLLECTOR).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", COLLECTOR)
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(COLLECTOR).withNamespace(SYSTEM).build())
                .build()).serverSideApply();
    }

    /** A pod bound to {@code node} whose status reports one running container with {@code containerId}. */
    static void createPod(String namespace, String name, String node, String containerId, ReplicaSet owner) {
        PodBuilder builder = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(Map.of("app", "checkout", "pod-template-hash", "5d8f7c9b4")).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec();
        if (owner != null) {
            builder.editMetadata().withOwnerReferences(controllerRef("apps/v1", "ReplicaSet", owner.getMetadata().getName(),
                    owner.getMetadata().getUid())).endMetadata();
        }
        Pod pod = admin.pods().inNamespace(namespace).resource(builder.build()).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
                .withContainerStatuses(new ContainerStatusBuilder().withName("api").withImage("example.invalid/api").withImageID("")
                        .withReady(true).withRestartCount(0).withContainerID("containerd://" + containerId)
                        .withNewState().withNewRunning().withStartedAt("2026-11-21T21:00:00Z").endRunning().endState().build())
                .build());
        admin.pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    static OwnerReference controllerRef(String apiVersion, String kind, String name, String uid) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name).withUid(uid)
                .withController(true).withBlockOwnerDeletion(false).build();
    }

    static String containerId() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
