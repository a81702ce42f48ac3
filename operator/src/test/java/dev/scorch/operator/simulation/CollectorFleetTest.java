package dev.scorch.operator.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.groups.Tuple.tuple;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.FailingNode;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.status.StatusAggregator;
import dev.scorch.testenv.Await;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.FakeNode;
import dev.scorch.testenv.Kwok;
import dev.scorch.testenv.PodStatusSimulation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 4: the operator against a simulated cluster. kube-controller-manager turns its one collector
 * DaemonSet into pods on the union of the nodes the policies select, kube-scheduler binds them to kwok's fake nodes, kwok runs them, and the test writes
 * what collectors and kubelets would: the {@code scorch.dev/Collecting} condition, CrashLoopBackOff
 * and ImagePullBackOff container states. The operator runs in-process as its own ServiceAccount with
 * deploy/'s RBAC. {@code ControlPlane.shared} and {@code Kwok.start} call the tier-4 guard
 * ({@code Tier.CLUSTER_SIMULATION}) on the binaries they need.
 */
class CollectorFleetTest {

    /** Nodes in the large pool; CI runs 200 (issue 2). */
    static final int FLEET = Integer.getInteger("scorch.simulation.nodes", 200);
    private static final String NAMESPACE = SimulatedOperator.NAMESPACE;
    private static final String COLLECTING = "scorch.dev/Collecting";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private static ControlPlane controlPlane;
    private static KubernetesClient admin;
    private static Kwok kwok;
    private static SimulatedOperator operator;
    private static PodStatusSimulation collectors;
    /** Each fake node's pool label. */
    private static final java.util.Map<String, String> POOLS = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void startSimulatedCluster() {
        controlPlane = ControlPlane.shared(ControlPlane.Options.withControllers());
        admin = controlPlane.adminClient();
        kwok = Kwok.start(controlPlane);
        List<FakeNode> nodes = new ArrayList<>();
        IntStream.range(0, FLEET).mapToObj(i -> FakeNode.named("fleet-" + i).withLabel("pool", "fleet")).forEach(nodes::add);
        IntStream.range(0, 5).mapToObj(i -> FakeNode.named("flaky-" + i).withLabel("pool", "flaky")).forEach(nodes::add);
        // Less CPU than a collector requests (10m): the scheduler leaves its pod Unschedulable.
        nodes.add(FakeNode.named("starved").withLabel("pool", "flaky").withAllocatable("5m", "16Gi"));
        nodes.forEach(node -> POOLS.put(node.name(), node.labels().get("pool")));
        kwok.awaitReady(kwok.createNodes(nodes), TIMEOUT);
        operator = SimulatedOperator.start(controlPlane);
        collectors = new PodStatusSimulation(admin);
    }

    /** The control plane is shared with later test classes: leave no policy behind for their operators. */
    @AfterAll
    static void stopSimulatedCluster() {
        if (admin != null) {
            admin.resources(ProfilingPolicy.class).delete();
        }
        if (operator != null) {
            operator.close();
        }
        if (kwok != null) {
            kwok.close();
        }
    }

    @Test
    void aPolicyOverTheFleetReportsEveryNodeReadyAndCollectingOnceItsCollectorSaysSo() {
        createPolicy("fleet-wide", "fleet");
        awaitRunningCollectors("fleet", FLEET);
        awaitStatus("fleet-wide", FLEET + " nodes desired, none ready yet", status ->
                status.nodes().desired() == FLEET && status.nodes().ready() == 0);

        reportCollecting(collectorPods("fleet"));

        awaitStatus("fleet-wide", "all " + FLEET + " nodes ready and collecting with Ready=True", status ->
                status.nodes().ready() == FLEET && status.nodes().collecting() == FLEET
                        && "True".equals(status.condition("Ready").status()));
    }

    @Test
    void failingCollectorsAreNamedWithTheirNodeAndReason() {
        createPolicy("flaky", "flaky");
        awaitRunningCollectors("flaky", 5);
        List<Pod> pods = collectorPods("flaky").stream().filter(pod -> pod.getSpec().getNodeName() != null).toList();
        Pod unreachable = podOn(pods, "flaky-0");
        Pod crashing = podOn(pods, "flaky-1");
        Pod unpullable = podOn(pods, "flaky-2");
        reportCollecting(List.of(podOn(pods, "flaky-3"), podOn(pods, "flaky-4")));

        collectors.setCondition(NAMESPACE, unreachable.getMetadata().getName(), COLLECTING, false, "BackendUnreachable",
                "node flaky-0: backend parca unreachable: connection refused", Instant.now().minusSeconds(60));
        collectors.crashLoop(NAMESPACE, crashing.getMetadata().getName(), "back-off 40s restarting failed container=collector");
        collectors.imagePullBackOff(NAMESPACE, unpullable.getMetadata().getName(),
                "Back-off pulling image \"registry.invalid/scorch-collector:tier4\"");

        awaitStatus("flaky", "four failing nodes named, two of six ready", status -> status.failingNodes() != null
                && status.failingNodes().size() == 4 && status.nodes().desired() == 6 && status.nodes().ready() == 2);
        ProfilingPolicyStatus status = status("flaky");
        assertThat(status.failingNodes()).extracting(FailingNode::node, FailingNode::reason).containsExactlyInAnyOrder(
                tuple("flaky-0", "BackendUnreachable"),
                tuple("flaky-1", "CrashLoopBackOff"),
                tuple("flaky-2", "ImagePullBackOff"),
                tuple("starved", "Unschedulable"));
        assertThat(status.failingNodes()).filteredOn(node -> node.node().equals("flaky-0")).singleElement()
                .satisfies(node -> assertThat(node.message()).contains("parca"));
        assertThat(status.failingNodes()).filteredOn(node -> node.node().equals("flaky-2")).singleElement()
                .satisfies(node -> assertThat(node.message()).contains("registry.invalid/scorch-collector"));
        assertThat(status.condition("Degraded").status()).isEqualTo("True");
    }

    @Test
    void deletingAPolicyTakesItOutOfTheOneDaemonSetWithoutTouchingItsPods() {
        createPolicy("fleet-wide", "fleet");
        awaitRunningCollectors("fleet", FLEET);
        ProfilingPolicy policy = createPolicy("short-lived", "fleet");
        Await.until("short-lived served", TIMEOUT, () -> owners().contains("short-lived") ? null : "owners " + owners());
        List<String> pods = collectorPods("fleet").stream().map(pod -> pod.getMetadata().getUid()).sorted().toList();

        admin.resource(policy).delete();

        Await.until("the deleted policy out of the shared objects", TIMEOUT, () -> {
            String config = admin.configMaps().inNamespace(NAMESPACE).withName("scorch-collector").get().getData().get("collector.json");
            return !owners().contains("short-lived") && !config.contains("\"short-lived\"") ? null : "owners " + owners();
        });
        assertThat(collectorPods("fleet").stream().map(pod -> pod.getMetadata().getUid()).sorted().toList())
                .as("the same collector pods: no restart").isEqualTo(pods);
        assertThat(admin.apps().daemonSets().inNamespace(NAMESPACE).list().getItems()).singleElement()
                .satisfies(ds -> assertThat(ds.getMetadata().getName()).isEqualTo("scorch-collector"));
    }

    private static List<String> owners() {
        var ds = admin.apps().daemonSets().inNamespace(NAMESPACE).withName("scorch-collector").get();
        return ds == null || ds.getMetadata().getOwnerReferences() == null ? List.of()
                : ds.getMetadata().getOwnerReferences().stream().map(o -> o.getName()).toList();
    }

    private static ProfilingPolicy createPolicy(String name, String pool) {
        ProfilingPolicy existing = admin.resources(ProfilingPolicy.class).withName(name).get();
        if (existing != null) {
            return existing;
        }
        return admin.resource(Policies.parse(name, """
                nodes:
                  selector:
                    matchLabels:
                      pool: %s
                export:
                  backends:
                    - name: parca
                      parca:
                        address: parca.monitoring.svc:7070
                        insecure: true
                """.formatted(pool))).create();
    }

    private static ProfilingPolicyStatus status(String policy) {
        ProfilingPolicy current = admin.resources(ProfilingPolicy.class).withName(policy).get();
        return current == null ? null : current.getStatus();
    }

    private static void awaitStatus(String policy, String what, Predicate<ProfilingPolicyStatus> done) {
        Await.until("policy " + policy + ": " + what, TIMEOUT, () -> {
            ProfilingPolicyStatus status = status(policy);
            return status != null && status.nodes() != null && status.conditions() != null && done.test(status)
                    ? null : "status " + status + "; " + podsSummary(policy);
        });
    }

    private static String podsSummary(String policy) {
        List<Pod> pods = admin.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/component", "node-collector")
                .list().getItems();
        long ready = pods.stream().filter(pod -> pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).count();
        String sample = pods.isEmpty() ? "none" : pods.getFirst().getStatus().getConditions().toString()
                + " managed by " + pods.getFirst().getMetadata().getManagedFields().stream()
                        .map(f -> f.getManager() + "/" + f.getOperation() + "/" + f.getSubresource() + "@" + f.getTime()).toList();
        return pods.size() + " collector pods, " + ready + " with Ready=True; first pod's conditions: " + sample;
    }

    /** The collector pods of the one DaemonSet on (or, when pending, for) the nodes of {@code pool}. */
    private static List<Pod> collectorPods(String pool) {
        return admin.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/component", "node-collector").list().getItems()
                .stream().filter(pod -> POOLS.getOrDefault(StatusAggregator.nodeOf(pod), "").equals(pool)).toList();
    }

    private static void awaitRunningCollectors(String pool, int count) {
        Await.until(count + " running collectors on pool " + pool, TIMEOUT, () -> {
            long running = collectorPods(pool).stream().filter(pod -> "Running".equals(pod.getStatus().getPhase())).count();
            return running == count ? null : running + " running";
        });
    }

    private static Pod podOn(List<Pod> pods, String node) {
        return pods.stream().filter(pod -> node.equals(pod.getSpec().getNodeName())).findFirst()
                .orElseThrow(() -> new AssertionError("no collector pod on node " + node + " among " + pods.size()));
    }

    /** What each collector writes once sampling works and its first export succeeded. */
    private static void reportCollecting(List<Pod> pods) {
        try (ExecutorService writers = Executors.newFixedThreadPool(8)) {
            for (Pod pod : pods) {
                writers.submit(() -> collectors.setCondition(NAMESPACE, pod.getMetadata().getName(), COLLECTING, true,
                        "Collecting", "node " + pod.getSpec().getNodeName() + " exports to parca", Instant.now()));
            }
            writers.shutdown();
            assertThat(writers.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
