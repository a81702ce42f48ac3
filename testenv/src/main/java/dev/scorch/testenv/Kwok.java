package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * kwok, simulating the kubelets of fake nodes against a {@link ControlPlane} that runs the
 * controller manager and the scheduler: it keeps the nodes it manages Ready (status and leases),
 * moves pods bound to them to Running, and finishes their deletion.
 *
 * <p>kwok manages only nodes labelled {@link #MANAGED_LABEL}{@code =true}, so a real node (tier 5's
 * node for this machine) can live in the same cluster. Pods with readiness gates stay unready until
 * someone sets the gates, as with a real kubelet (see {@code kwok-pod-stages.yaml} and
 * {@link PodStatusSimulation}); {@link KubeletReadiness} keeps {@code Ready} consistent with the
 * gates as the kubelet would.
 */
public final class Kwok implements AutoCloseable {

    /** The label that hands a node to kwok. */
    public static final String MANAGED_LABEL = "scorch.dev/fake-node";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final ControlPlane controlPlane;
    private final LocalProcess process;
    private final Set<String> createdNodes = ConcurrentHashMap.newKeySet();
    private final KubeletReadiness readiness;

    private Kwok(ControlPlane controlPlane, LocalProcess process) {
        this.controlPlane = controlPlane;
        this.process = process;
        this.readiness = KubeletReadiness.start(controlPlane.adminClient(), createdNodes);
    }

    /**
     * Starts kwok against {@code controlPlane}, which must run the controllers (without them no
     * DaemonSet gets pods and no pod gets a node). Skips or fails through the tier-4 guard when
     * kwok is not built.
     */
    public static Kwok start(ControlPlane controlPlane) {
        if (!controlPlane.options().controllers()) {
            throw new IllegalArgumentException("kwok needs kube-controller-manager and kube-scheduler:"
                    + " start the control plane with ControlPlane.Options.withControllers()");
        }
        TestBinaries binaries = TestBinaries.fromEnvironment();
        binaries.require(Tier.CLUSTER_SIMULATION, List.of(binaries.kwok()));
        Path work = controlPlane.workDirectory();
        Path kubeconfig = controlPlane.writeKubeconfig(ControlPlane.KWOK_USER, work.resolve("kwok.kubeconfig"));
        Path stages = copyResource("kwok-pod-stages.yaml", work.resolve("kwok-pod-stages.yaml"));
        int serverPort = LoopbackPorts.free();
        LocalProcess process = LocalProcess.start("kwok", List.of(
                binaries.kwok().toString(),
                "--kubeconfig=" + kubeconfig,
                "--config=" + stages,
                "--manage-all-nodes=false",
                "--manage-nodes-with-label-selector=" + MANAGED_LABEL + "=true",
                // Room for thousands of pod IPs; kwok's default /24 runs out at 254 pods.
                "--cidr=10.128.0.1/14",
                "--node-ip=10.127.0.1",
                // Heartbeats by Lease, as kubelets do. Nothing judges them here (ControlPlane runs no
                // node lifecycle controller); they keep the nodes looking like real ones to readers.
                "--node-lease-duration-seconds=40",
                "--server-address=127.0.0.1:" + serverPort),
                work.resolve("kwok.log"));
        Readiness.await(process, Instant.now().plus(STARTUP_TIMEOUT),
                Readiness.httpOk("http://127.0.0.1:" + serverPort + "/healthz", null, null));
        return new Kwok(controlPlane, process);
    }

    /** Creates {@code count} fake nodes named {@code prefix-0 ... prefix-(count-1)}. */
    public List<String> createNodes(String prefix, int count) {
        return createNodes(IntStream.range(0, count).mapToObj(i -> FakeNode.named(prefix + "-" + i)).toList());
    }

    /** Creates the given fake nodes and returns their names; kwok makes them Ready shortly after. */
    public List<String> createNodes(List<FakeNode> nodes) {
        KubernetesClient admin = controlPlane.adminClient();
        nodes.parallelStream().forEach(node -> {
            admin.nodes().resource(toNode(node)).create();
            createdNodes.add(node.name());
        });
        return nodes.stream().map(FakeNode::name).toList();
    }

    /** Waits until every named node reports condition Ready=True. */
    public void awaitReady(List<String> nodeNames, Duration timeout) {
        KubernetesClient admin = controlPlane.adminClient();
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            long ready = admin.nodes().withLabel(MANAGED_LABEL, "true").list().getItems().stream()
                    .filter(node -> nodeNames.contains(node.getMetadata().getName()))
                    .filter(Kwok::isReady)
                    .count();
            if (ready == nodeNames.size()) {
                return;
            }
            process.requireAlive();
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(ready + " of " + nodeNames.size() + " fake nodes Ready after "
                        + timeout + "; last kwok log lines:\n" + process.logTail(20));
            }
            sleep(Duration.ofMillis(200));
        }
    }

    private static boolean isReady(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Node toNode(FakeNode node) {
        Map<String, String> labels = new LinkedHashMap<>(node.labels());
        labels.put(MANAGED_LABEL, "true");
        labels.put("kubernetes.io/hostname", node.name());
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        Map<String, Quantity> allocatable = Map.of(
                "cpu", new Quantity(node.cpu()),
                "memory", new Quantity(node.memory()),
                "pods", new Quantity("110"));
        return new NodeBuilder()
                .withNewMetadata()
                    .withName(node.name())
                    .withLabels(labels)
                    .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .endMetadata()
                .withNewStatus()
                    .withCapacity(allocatable)
                    .withAllocatable(allocatable)
                    .withNewNodeInfo()
                        .withKubeletVersion("v" + TestBinaries.KUBERNETES_VERSION + "-kwok")
                        .withOperatingSystem("linux")
                        .withArchitecture("amd64")
                    .endNodeInfo()
                .endStatus()
                .build();
    }

    private static Path copyResource(String name, Path target) {
        try (InputStream in = Kwok.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the testenv jar");
            }
            Files.copy(in, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public Path log() {
        return process.log();
    }

    /** Deletes the nodes this kwok created (a shared control plane outlives it), then stops kwok. */
    @Override
    public void close() {
        KubernetesClient admin = controlPlane.adminClient();
        readiness.close();
        createdNodes.parallelStream().forEach(name -> admin.nodes().withName(name).delete());
        createdNodes.clear();
        process.close();
    }
}
