package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kwok, the controller manager and the scheduler together turn a DaemonSet into pods on fake nodes. */
class ClusterSimulationTest {

    private static final int NODES = Integer.getInteger("scorch.simulation.nodes", 20);
    private static final String GATE = "example.scorch.dev/Probed";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static ControlPlane controlPlane;
    private static Kwok kwok;
    private static KubernetesClient admin;

    @BeforeAll
    static void startCluster() {
        controlPlane = ControlPlane.shared(ControlPlane.Options.withControllers());
        kwok = Kwok.start(controlPlane);
        admin = controlPlane.adminClient();
        kwok.awaitReady(kwok.createNodes("simulated", NODES), TIMEOUT);
    }

    @AfterAll
    static void stopKwok() {
        if (kwok != null) {
            kwok.close();
        }
    }

    @Test
    void aDaemonSetGetsOneRunningPodPerFakeNodeWhichTurnsReadyWhenItsGateIsSet() {
        String namespace = createNamespace("gated");
        admin.apps().daemonSets().inNamespace(namespace).resource(daemonSet("gated", GATE)).create();

        awaitDaemonSet(namespace, "gated", status -> status.getCurrentNumberScheduled() == NODES
                && podsRunning(namespace) == NODES);
        assertThat(daemonSetStatus(namespace, "gated").getNumberReady()).isZero();

        PodStatusSimulation kubelet = new PodStatusSimulation(admin);
        pods(namespace).forEach(pod -> kubelet.setCondition(namespace, pod.getMetadata().getName(), GATE, true, "Probed", "ok"));

        awaitDaemonSet(namespace, "gated", status -> status.getNumberReady() == NODES);
    }

    @Test
    void aReadyConditionThatContradictsTheGatesIsCorrectedAsTheKubeletWould() {
        String namespace = createNamespace("replayed");
        admin.apps().daemonSets().inNamespace(namespace).resource(daemonSet("replayed", GATE)).create();
        awaitDaemonSet(namespace, "replayed", status -> podsRunning(namespace) == NODES);
        PodStatusSimulation kubelet = new PodStatusSimulation(admin);
        pods(namespace).forEach(pod -> kubelet.setCondition(namespace, pod.getMetadata().getName(), GATE, true, "Probed", "ok"));
        awaitDaemonSet(namespace, "replayed", status -> status.getNumberReady() == NODES);
        String victim = pods(namespace).getFirst().getMetadata().getName();

        // What a late replay of kwok's pod stage from a stale copy writes.
        admin.pods().inNamespace(namespace).withName(victim).editStatus(pod -> {
            pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                    .forEach(c -> { c.setStatus("False"); c.setReason("ReadinessGatesNotReady"); });
            return pod;
        });

        Await.until("Ready=True again on " + victim, TIMEOUT, () -> admin.pods().inNamespace(namespace).withName(victim).get()
                .getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                ? null : "still not Ready");
    }

    @Test
    void aCrashLoopingPodCountsAsUnreadyWithItsReason() {
        String namespace = createNamespace("crashing");
        admin.apps().daemonSets().inNamespace(namespace).resource(daemonSet("crashing", null)).create();
        awaitDaemonSet(namespace, "crashing", status -> status.getNumberReady() == NODES);
        String victim = pods(namespace).getFirst().getMetadata().getName();

        Pod crashed = new PodStatusSimulation(admin).crashLoop(namespace, victim, "back-off 5m0s restarting failed container");

        assertThat(crashed.getStatus().getContainerStatuses().getFirst().getState().getWaiting().getReason())
                .isEqualTo("CrashLoopBackOff");
        awaitDaemonSet(namespace, "crashing", status -> status.getNumberReady() == NODES - 1);
    }

    @Test
    void deletingADaemonSetGarbageCollectsItsPods() {
        String namespace = createNamespace("collected");
        admin.apps().daemonSets().inNamespace(namespace).resource(daemonSet("collected", null)).create();
        awaitDaemonSet(namespace, "collected", status -> status.getNumberReady() == NODES);

        admin.apps().daemonSets().inNamespace(namespace).withName("collected").delete();

        Await.until("the pods of a deleted DaemonSet to disappear", TIMEOUT,
                () -> pods(namespace).isEmpty() ? null : pods(namespace).size() + " pods left");
    }

    private static DaemonSet daemonSet(String name, String readinessGate) {
        DaemonSetBuilder builder = new DaemonSetBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec()
                    .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                        .withNewSpec()
                            .addNewContainer().withName("main").withImage("registry.invalid/never-pulled:1").endContainer()
                            .addNewToleration().withOperator("Exists").endToleration()
                        .endSpec()
                    .endTemplate()
                .endSpec();
        if (readinessGate != null) {
            builder.editSpec().editTemplate().editSpec().addNewReadinessGate(readinessGate).endSpec().endTemplate().endSpec();
        }
        return builder.build();
    }

    private static String createNamespace(String name) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    private static List<Pod> pods(String namespace) {
        return admin.pods().inNamespace(namespace).list().getItems();
    }

    private static long podsRunning(String namespace) {
        return pods(namespace).stream().filter(pod -> "Running".equals(pod.getStatus().getPhase())).count();
    }

    private static DaemonSetStatus daemonSetStatus(String namespace, String name) {
        DaemonSet daemonSet = admin.apps().daemonSets().inNamespace(namespace).withName(name).get();
        return daemonSet.getStatus() == null ? new DaemonSetStatus() : daemonSet.getStatus();
    }

    private static void awaitDaemonSet(String namespace, String name, java.util.function.Predicate<DaemonSetStatus> done) {
        Await.until("DaemonSet " + namespace + "/" + name, TIMEOUT, () -> {
            DaemonSetStatus status = daemonSetStatus(namespace, name);
            return status.getCurrentNumberScheduled() != null && status.getNumberReady() != null && done.test(status)
                    ? null
                    : "status " + status + ", " + podsRunning(namespace) + " pods Running";
        });
    }
}
