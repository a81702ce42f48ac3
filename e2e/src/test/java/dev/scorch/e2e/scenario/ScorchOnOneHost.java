package dev.scorch.e2e.scenario;

import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cgroup.CgroupHierarchies;
import dev.scorch.e2e.cluster.Kubectl;
import dev.scorch.e2e.cluster.PolicyStatus;
import dev.scorch.e2e.kubelet.FakeKubelet;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.TestBinaries;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every tier-5 scenario stands on: a real API server with its controllers and scheduler, this
 * machine registered as a node by a {@link FakeKubelet} (there is no real kubelet here), {@code
 * deploy/} applied with kubectl, and the operator running as the pod its Deployment makes, under its
 * own ServiceAccount, tuned so collectors refresh their condition every few seconds. The collector
 * image is loaded on the node once the operator has made its DaemonSet ({@link #loadCollectorImage}).
 *
 * @param work this run's directory under {@code e2e/target/e2e-work}: logs stay for a look after a failure
 */
record ScorchOnOneHost(Path repository, ScorchImages images, Path work, ControlPlane controlPlane, KubernetesClient client,
        Kubectl kubectl, FakeKubelet kubelet, String nodeName) implements AutoCloseable {

    static final String SCORCH_NAMESPACE = "scorch-system";
    static final Duration GENEROUS = Duration.ofSeconds(120);
    /** The fake kubelet's image store: outside every path a pod mounts over (see ScorchImages.stagedInto). */
    private static final Path IMAGE_STORE = Path.of("/var/lib/scorch-e2e/images");

    /**
     * Starts the cluster and the operator; skips (or in CI fails) the tier when the host cannot.
     *
     * @param statusUpdateSeconds how often collectors refresh their condition (the default, 2
     *     minutes, keeps API writes flat at scale; a test wants to see changes within seconds)
     */
    static ScorchOnOneHost start(int statusUpdateSeconds) throws Exception {
        Path repository = Path.of(System.getProperty("scorch.repository.root", "..")).toAbsolutePath().normalize();
        CgroupHierarchies cgroups = CgroupHierarchies.ofThisProcess();
        Tier.END_TO_END.require(cgroups.writable() && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root (cgroups " + cgroups.describe() + ", mount namespaces, perf_event_open) and util-linux unshare");
        ScorchImages images = ScorchImages.fromRepository(repository);
        Tier.END_TO_END.require(images.built(), images.whatIsMissing());
        images = images.stagedInto(IMAGE_STORE);
        // Under target/ rather than /tmp: the run's logs stay for a look after a failure, and mvn clean removes them.
        Path work = Files.createDirectories(repository.resolve("e2e/target/e2e-work").resolve(LocalDateTime.now().toString().replace(':', '-')));
        String nodeName = InetAddress.getLocalHost().getHostName().toLowerCase();

        ControlPlane controlPlane = ControlPlane.start(ControlPlane.Options.withControllers());
        FakeKubelet kubelet = null;
        try {
            KubernetesClient client = controlPlane.adminClient();
            Kubectl kubectl = new Kubectl(TestBinaries.fromEnvironment().kubectl(),
                    Files.copy(controlPlane.kubeconfig(), work.resolve("admin.kubeconfig")));
            kubelet = FakeKubelet.start(client, nodeName, URI.create(controlPlane.url()), work.resolve("node"), cgroups, List.of());
            ScorchOnOneHost host = new ScorchOnOneHost(repository, images, work, controlPlane, client, kubectl, kubelet, nodeName);
            kubectl.run("label", "node", nodeName, "node-role.kubernetes.io/worker=");
            host.startOperator(statusUpdateSeconds);
            return host;
        } catch (Exception | Error e) {
            if (kubelet != null) {
                kubelet.close();
            }
            controlPlane.close();
            throw e;
        }
    }

    private void startOperator(int statusUpdateSeconds) {
        kubectl.run("apply", "-k", repository.resolve("deploy").toString());
        kubectl.run("-n", SCORCH_NAMESPACE, "set", "env", "deployment/scorch-operator",
                "SCORCH_COLLECTOR_STATUS_UPDATE_SECONDS=" + statusUpdateSeconds);
        Deployment operatorDeployment = await().atMost(GENEROUS).until(
                () -> client.apps().deployments().inNamespace(SCORCH_NAMESPACE).list().getItems().stream().findFirst().orElse(null),
                Objects::nonNull);
        kubelet.load(images.operator(operatorDeployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()));
        await("the operator's rollout completes: one Ready pod of the tuned template").atMost(GENEROUS).until(() -> {
            Deployment current = client.apps().deployments().inNamespace(SCORCH_NAMESPACE).withName("scorch-operator").get();
            var status = current.getStatus();
            return status != null && Objects.equals(status.getObservedGeneration(), current.getMetadata().getGeneration())
                    && Objects.equals(status.getReplicas(), 1) && Objects.equals(status.getUpdatedReplicas(), 1)
                    && Objects.equals(status.getReadyReplicas(), 1)
                    && client.pods().inNamespace(SCORCH_NAMESPACE).withLabels(current.getSpec().getSelector().getMatchLabels())
                            .list().getItems().size() == 1;
        });
    }

    /** Waits for the operator's collector DaemonSet (it appears with the first policy) and makes its image available on the node. */
    DaemonSet loadCollectorImage() {
        DaemonSet daemonSet = await("the operator creates the collector DaemonSet").atMost(GENEROUS).until(
                () -> client.apps().daemonSets().inNamespace(SCORCH_NAMESPACE).list().getItems().stream().findFirst().orElse(null),
                Objects::nonNull);
        kubelet.load(images.collector(daemonSet.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()));
        return daemonSet;
    }

    NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> policies() {
        return client.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy");
    }

    PolicyStatus status(String policy) {
        return PolicyStatus.of(policies().withName(policy).get());
    }

    /** The collector pods on this node that are not being deleted. */
    List<Pod> collectorPods() {
        return client.pods().inNamespace(SCORCH_NAMESPACE).withField("spec.nodeName", nodeName)
                .withLabel("app.kubernetes.io/component", "node-collector").list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    /** The only pod labelled {@code app=<app>} in {@code namespace}. */
    Pod onlyPod(String namespace, String app) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
        if (pods.size() != 1) {
            throw new AssertionError("expected one pod app=" + app + " in " + namespace + ", found " + pods.size());
        }
        return pods.getFirst();
    }

    int readyPods(String namespace, Map<String, String> labels) {
        return (int) client.pods().inNamespace(namespace).withLabels(labels).list().getItems().stream()
                .filter(p -> p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .count();
    }

    @Override
    public void close() {
        kubelet.close();
        controlPlane.close();
    }
}
