package dev.scorch.collector.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.attribution.LabelSelector;
import dev.scorch.collector.run.PodTargetResolver;
import dev.scorch.collector.run.ProcessContainers;
import dev.scorch.collector.attribution.Target;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: the collector's pod watch, owner lookup and status patch against a real kube-apiserver
 * with RBAC on, authenticated with a real token of the collector's ServiceAccount that holds only
 * the rights docs/contracts.md lists.
 */
class CollectorOnApiServerTest {

    static final String SYSTEM = CollectorServiceAccount.NAMESPACE;
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
        collectorApi = CollectorServiceAccount.create(controlPlane);
        CollectorServiceAccount.namespaceWithDefaultAccount(admin, SHOP, Map.of("team", "checkout"));

        replicaSet = NodePods.deploymentWithReplicaSet(admin, SHOP, "checkout", "5d8f7c9b4");

        pods = new PodCache(new WorkloadResolver(collectorApi)::workloadOf);
        namespaces = new NamespaceCache();
        NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-early", NODE, NodePods.containerId(), replicaSet);
        NodePods.create(admin, SHOP, "elsewhere", OTHER_NODE, NodePods.containerId(), replicaSet);
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
        String early = NodePods.containerId();
        String late = NodePods.containerId();
        String otherNode = NodePods.containerId();
        NodePods.create(admin, SHOP, "listed-" + shortId(), NODE, early, replicaSet);
        NodePods.create(admin, SHOP, "watched-" + shortId(), NODE, late, replicaSet);
        NodePods.create(admin, SHOP, "other-node-" + shortId(), OTHER_NODE, otherNode, replicaSet);

        awaitTrue(() -> pods.byContainerId(early).isPresent() && pods.byContainerId(late).isPresent(), "pods of " + NODE + " in the cache");

        assertThat(pods.byContainerId(otherNode)).isEmpty();
        assertThat(pods.byContainerId(late)).hasValueSatisfying(pod -> {
            assertThat(pod.node()).isEqualTo(NODE);
            assertThat(pod.namespace()).isEqualTo(SHOP);
            assertThat(pod.containerNames()).containsEntry(late, "api");
        });
    }

    @Test
    void aWatchTheServerEndsIsResumedWithoutMissingEvents() throws Exception {
        PodCache shortWatched = new PodCache(new WorkloadResolver(collectorApi)::workloadOf);
        try (ListWatch watch = new ListWatch(collectorApi, "/api/v1/pods", "spec.nodeName=" + NODE, shortWatched, 1).start()) {
            assertThat(watch.awaitSynced(WAIT)).isTrue();
            String[] ids = {NodePods.containerId(), NodePods.containerId(), NodePods.containerId()};
            for (String id : ids) {
                Thread.sleep(1500); // each pod arrives after the previous watch request has ended
                NodePods.create(admin, SHOP, "resumed-" + shortId(), NODE, id, replicaSet);
            }

            awaitTrue(() -> Stream.of(ids).allMatch(id -> shortWatched.byContainerId(id).isPresent()), "every pod through resumed watches");
        }
    }

    @Test
    void aReplicaSetsPodIsNamedAfterItsDeployment() throws Exception {
        String id = NodePods.containerId();
        NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-" + shortId(), NODE, id, replicaSet);

        awaitTrue(() -> pods.byContainerId(id).isPresent(), "the pod in the cache");

        assertThat(pods.byContainerId(id).get().workload()).isEqualTo(new Workload("Deployment", "checkout"));
    }

    @Test
    void aCronJobsPodIsNamedAfterTheCronJobAndAStatefulSetsAfterItself() throws Exception {
        CronJob cronJob = admin.batch().v1().cronjobs().inNamespace(SHOP).resource(new CronJobBuilder()
                .withNewMetadata().withName("nightly").endMetadata()
                .withNewSpec().withSchedule("0 3 * * *").withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("api").withImage("example.invalid/job").endContainer()
                .endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build()).serverSideApply();
        Job job = admin.batch().v1().jobs().inNamespace(SHOP).resource(new JobBuilder()
                .withNewMetadata().withName("nightly-29012345").withOwnerReferences(NodePods.controllerRef("batch/v1", "CronJob",
                        cronJob.getMetadata().getName(), cronJob.getMetadata().getUid())).endMetadata()
                .withNewSpec().withManualSelector(true).withNewSelector().withMatchLabels(Map.of("app", "checkout")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "checkout")).endMetadata().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("api").withImage("example.invalid/job").endContainer()
                .endSpec().endTemplate().endSpec().build()).serverSideApply();
        StatefulSet statefulSet = admin.apps().statefulSets().inNamespace(SHOP).resource(new StatefulSetBuilder()
                .withNewMetadata().withName("ledger").endMetadata()
                .withNewSpec().withServiceName("ledger").withNewSelector().withMatchLabels(Map.of("app", "checkout")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "checkout")).endMetadata().withNewSpec()
                .addNewContainer().withName("api").withImage("example.invalid/db").endContainer().endSpec().endTemplate()
                .endSpec().build()).serverSideApply();
        String jobContainer = NodePods.containerId();
        String statefulContainer = NodePods.containerId();
        String bareContainer = NodePods.containerId();
        NodePods.create(admin, SHOP, "nightly-29012345-" + shortId(), NODE, jobContainer, job);
        NodePods.create(admin, SHOP, "ledger-0", NODE, statefulContainer, statefulSet);
        NodePods.create(admin, SHOP, "debug-" + shortId(), NODE, bareContainer, null);

        awaitTrue(() -> Stream.of(jobContainer, statefulContainer, bareContainer).allMatch(id -> pods.byContainerId(id).isPresent()),
                "the pods in the cache");

        assertThat(pods.byContainerId(jobContainer).get().workload()).isEqualTo(new Workload("CronJob", "nightly"));
        assertThat(pods.byContainerId(statefulContainer).get().workload()).isEqualTo(new Workload("StatefulSet", "ledger"));
        assertThat(pods.byContainerId(bareContainer).get().workload().kind()).isEqualTo("Pod");
    }

    @Test
    void aSelectedPodsProcessResolvesToItsLabelledTarget() throws Exception {
        String id = NodePods.containerId();
        String name = "checkout-5d8f7c9b4-" + shortId();
        NodePods.create(admin, SHOP, name, NODE, id, replicaSet);
        String cgroup = "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UUID.randomUUID().toString().replace('-', '_')
                + ".slice/cri-containerd-" + id + ".scope\n";
        var selection = new PolicyConfig.Targets(new LabelSelector(Map.of("team", "checkout"), List.of()), LabelSelector.EVERYTHING, false);
        PodTargetResolver resolver = new PodTargetResolver(new ProcessContainers(pid -> Optional.of(cgroup), System::nanoTime), pods, namespaces, selection,
                Map.of("cluster", "test"), NODE, System::nanoTime);

        awaitTrue(() -> resolver.resolve(4242).filter(t -> !t.equals(Target.PENDING)).isPresent(), "the pid resolved");

        assertThat(resolver.resolve(4242)).map(Target::labels).contains(new TreeMap<>(Map.of(
                "service_name", "shop/checkout", "namespace", SHOP, "pod", name, "container", "api", "node", NODE, "cluster", "test")));
    }

    @Test
    void theConditionPatchLandsOnTheCollectorsOwnPodStatus() throws Exception {
        String collectorPod = "scorch-collector-" + shortId();
        NodePods.create(admin, SYSTEM, collectorPod, NODE, NodePods.containerId(), null);
        Instant exported = Instant.parse("2026-11-21T22:00:05Z");
        Instant transition = Instant.parse("2026-11-21T21:59:00Z");

        new PodStatusPatcher(collectorApi, SYSTEM, collectorPod).write(Map.of(CollectingCondition.TYPE, new CollectingCondition(
                CollectingReason.BackendUnreachable, "node node-a: backend parca has failed since 2026-11-21T21:58:00Z: connection refused",
                exported, transition)), Set.of());

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
        NodePods.create(admin, SHOP, other, NODE, NodePods.containerId(), null);

        assertThatThrownBy(() -> new PodStatusPatcher(collectorApi, SHOP, other).write(Map.of(CollectingCondition.TYPE,
                new CollectingCondition(CollectingReason.Collecting, "x", null, Instant.now())), Set.of()))
                .isInstanceOf(KubernetesException.class)
                .hasMessageContaining("HTTP 403");
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
