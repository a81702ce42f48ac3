package dev.scorch.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cluster.Kubectl;
import dev.scorch.e2e.cluster.PolicyStatus;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.HostNode;
import dev.scorch.testenv.NodeArtifacts;
import dev.scorch.testenv.NodeNetwork;
import dev.scorch.testenv.ParcaServer;
import dev.scorch.testenv.TestBinaries;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier 6: Scorch as users deploy it, on a real node. A kubelet with containerd and runc (and
 * kube-proxy) joins the test control plane from its own network namespace; the images built from
 * the project's Containerfiles run on it, installed with {@code kubectl apply -k deploy/}; a
 * workload image of our own runs beside them; the collector samples that node's real containers
 * and ships to a real Parca.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProfilingPolicyOnRealNodeTest {

    private static final Duration GENEROUS = Duration.ofMinutes(6);
    private static final String SCORCH_NAMESPACE = "scorch-system";
    private static final String NODE = "scorch-node-1";
    private static final String CONFINED_NODE = "scorch-node-confined";

    private final Path repository = Path.of(System.getProperty("scorch.repository.root", "..")).toAbsolutePath().normalize();
    private Path work;
    private NodeNetwork network;
    private ControlPlane controlPlane;
    private ParcaServer parca;
    private HostNode node;
    private KubernetesClient client;
    private Kubectl kubectl;
    private Map<String, String> images;
    private String server;

    @BeforeAll
    void bootTheNodeAndInstallScorch() throws Exception {
        NodeArtifacts artifacts = NodeArtifacts.fromEnvironment();
        artifacts.require(Tier.REAL_NODE);
        images = artifacts.images();
        work = Files.createTempDirectory("scorch-real-node-");
        network = NodeNetwork.create();
        controlPlane = ControlPlane.start(ControlPlane.Options.withControllers()
                .apiServerFlag("--bind-address=0.0.0.0")
                // The node's name resolves nowhere; its InternalIP is on the node network.
                .apiServerFlag("--kubelet-preferred-address-types=InternalIP"));
        client = controlPlane.adminClient();
        int apiPort = Integer.parseInt(controlPlane.url().replaceAll(".*:", ""));
        kubectl = new Kubectl(TestBinaries.fromEnvironment().kubectl(), controlPlane.kubeconfig());
        leadTheKubernetesServiceTo(network.hostAddress(), apiPort);

        server = "https://" + network.hostAddress() + ":" + apiPort;
        node = startNode(NODE, List.of());

        kubectl.run("apply", "-k", overlay().toString());
        kubectl.run("-n", SCORCH_NAMESPACE, "rollout", "status", "deployment/scorch-operator", "--timeout=360s");
        kubectl.runWithInput(workload(), "apply", "-f", "-");
        kubectl.run("-n", "shop", "rollout", "status", "deployment/checkout-api", "--timeout=360s");
        parca = ParcaServer.start(Tier.REAL_NODE, Files.createDirectories(work.resolve("parca")), network.hostAddress());
    }

    @Test
    @Order(1)
    void inCapabilitiesModeTheCollectorProfilesTheWorkloadsContainerIntoParcaAndThePolicyTurnsReady() throws InterruptedException {
        Instant applied = Instant.now();
        kubectl.runWithInput(Serialization.asYaml(policy("shop-capabilities", "capabilities")), "apply", "-f", "-");

        Pod workload = client.pods().inNamespace("shop").withLabel("app", "api").list().getItems().getFirst();
        await("the workload pod's profiles reach Parca").atMost(GENEROUS).pollInterval(Duration.ofSeconds(2))
                .until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "pod").contains(workload.getMetadata().getName()));
        Instant firstProfile = Instant.now();
        System.out.printf("tier 6: policy applied -> first profile at Parca %.1f s%n",
                Duration.between(applied, firstProfile).toMillis() / 1000.0);
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "namespace")).containsExactly("shop");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "container")).containsExactly("api");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "node")).containsExactly(NODE);
        await("the workload's hot function leads its profile").atMost(GENEROUS).untilAsserted(() ->
                assertThat(parca.topFunction(ParcaServer.CPU_SAMPLES + "{namespace=\"shop\"}").name()).isEqualTo("checkout_api_hot"));

        await("the policy reports Ready").atMost(GENEROUS).until(() -> status("shop-capabilities"),
                s -> s.conditionIs("Ready", "True") && s.nodes("collecting") == 1);
        Pod collector = collectorPod("shop-capabilities");
        assertThat(collector.getSpec().getContainers().getFirst().getSecurityContext().getPrivileged()).isFalse();
        Instant started = Instant.parse(collector.getStatus().getContainerStatuses().getFirst().getState().getRunning().getStartedAt());
        System.out.printf("tier 6: collector container started -> first profile at Parca <= %.1f s (polled every 2 s)%n",
                Duration.between(started, firstProfile).toMillis() / 1000.0);
        printCollectorUsage(collector, Duration.ofSeconds(30));
        kubectl.run("delete", "profilingpolicy", "shop-capabilities", "--wait=true");
    }

    /**
     * Pods reach the API server through the {@code kubernetes} Service (10.0.0.1:443, kube-proxy's
     * rules): its endpoint is the host's address on the node network. The control plane writes no
     * endpoints of its own (it advertises loopback, which an endpoint may not name).
     */
    private void leadTheKubernetesServiceTo(String address, int port) {
        kubectl.runWithInput("""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: kubernetes
                  namespace: default
                  labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: scorch-tier6}
                addressType: IPv4
                endpoints: [{addresses: ["%1$s"], conditions: {ready: true}}]
                ports: [{name: https, port: %2$d, protocol: TCP}]
                """.formatted(address, port), "apply", "-f", "-");
    }

    @Test
    @Order(2)
    void inPrivilegedModeTheCollectorProfilesTheWorkloadAndThePolicyTurnsReady() {
        // The security mode is an installation setting (Helm value collector.securityMode).
        setCollectorSecurityMode("privileged");
        try {
            kubectl.runWithInput(Serialization.asYaml(policy("shop-privileged", "privileged")), "apply", "-f", "-");

            // The node's collector pod is replaced when the mode changes, and the one it replaces may
            // serve the new policy first (the shared configuration reloads live): only the privileged
            // pod's own condition for this policy says the privileged collector exports it.
            await("a privileged collector pod collects for the policy").atMost(GENEROUS).ignoreExceptions()
                    .until(() -> collectorPods().anyMatch(pod -> privileged(pod) && collecting(pod, "shop-privileged")));
            await("profiles of the privileged policy reach Parca").atMost(GENEROUS).pollInterval(Duration.ofSeconds(2))
                    .until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "mode").contains("privileged"));
            await("the policy reports Ready").atMost(GENEROUS).until(() -> status("shop-privileged"),
                    s -> s.conditionIs("Ready", "True") && s.nodes("collecting") == 1);
            kubectl.run("delete", "profilingpolicy", "shop-privileged", "--wait=true");
        } finally {
            setCollectorSecurityMode("capabilities");
        }
    }

    private static boolean privileged(Pod pod) {
        return Boolean.TRUE.equals(pod.getSpec().getContainers().getFirst().getSecurityContext().getPrivileged());
    }

    private static boolean collecting(Pod pod, String policy) {
        return pod.getStatus().getConditions().stream()
                .anyMatch(c -> (policy + ".policy.scorch.dev/Collecting").equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private void setCollectorSecurityMode(String mode) {
        kubectl.run("-n", SCORCH_NAMESPACE, "set", "env", "deployment/scorch-operator", "SCORCH_COLLECTOR_SECURITY_MODE=" + mode);
        kubectl.run("-n", SCORCH_NAMESPACE, "rollout", "status", "deployment/scorch-operator", "--timeout=360s");
    }

    private GenericKubernetesResource policy(String name, String modeLabel) {
        return Serialization.unmarshal("""
                apiVersion: scorch.dev/v1alpha1
                kind: ProfilingPolicy
                metadata: {name: %1$s}
                spec:
                  targets:
                    namespaceSelector: {matchLabels: {team: checkout}}
                  export:
                    interval: 5s
                    labels: {mode: %3$s}
                    backends:
                      - name: parca
                        parca: {address: "%2$s", insecure: true}
                """.formatted(name, parca.grpcAddress(), modeLabel), GenericKubernetesResource.class);
    }

    private PolicyStatus status(String name) {
        return PolicyStatus.of(policies().withName(name).get());
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> policies() {
        return client.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy");
    }

    /** The running collector pod of the policy's DaemonSet. */
    private Pod collectorPod(String policy) {
        String daemonSet = status(policy).daemonSet();
        return collectorPods().filter(p -> p.getMetadata().getName().startsWith(daemonSet + "-")).findFirst().orElseThrow();
    }

    /** The collector pods not being deleted. */
    private Stream<Pod> collectorPods() {
        return client.pods().inNamespace(SCORCH_NAMESPACE).withLabelSelector(CollectorLabels.COLLECTOR_POD_SELECTOR).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null);
    }

    /**
     * The collector container's CPU over {@code window} and its memory, as the kubelet's stats
     * summary reports them from the container's cgroup on the node.
     */
    private void printCollectorUsage(Pod pod, Duration window) throws InterruptedException {
        Map<?, ?> before = containerStats(pod);
        Thread.sleep(window.toMillis());
        Map<?, ?> after = containerStats(pod);
        double cpuSeconds = (number(after, "cpu", "usageCoreNanoSeconds") - number(before, "cpu", "usageCoreNanoSeconds")) / 1e9;
        double windowSeconds = Duration.between(Instant.parse((String) ((Map<?, ?>) before.get("cpu")).get("time")),
                Instant.parse((String) ((Map<?, ?>) after.get("cpu")).get("time"))).toMillis() / 1000.0;
        System.out.printf("tier 6: collector pod %s on the node: CPU %.3f %% of a core over %.0f s (cgroup), working set %s (cgroup), %s%n",
                pod.getMetadata().getName(), 100 * cpuSeconds / windowSeconds, windowSeconds,
                mib(number(after, "memory", "workingSetBytes")), processMemory(pod));
    }

    /** VmRSS and VmHWM of the collector's JVM: the node is this host, so its /proc shows the container's process. */
    private static String processMemory(Pod pod) {
        String containerId = pod.getStatus().getContainerStatuses().getFirst().getContainerID().replaceFirst("^[a-z]+://", "");
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(process.resolve("cgroup")).contains(containerId)
                            && Files.readString(process.resolve("cmdline")).contains("dev.scorch.collector.cli.Main")) {
                        return Files.readAllLines(process.resolve("status")).stream()
                                .filter(line -> line.startsWith("VmRSS") || line.startsWith("VmHWM"))
                                .map(line -> line.replaceAll("\\s+", " ")).collect(Collectors.joining(", "))
                                + ", " + archiveMapped(process);
                    }
                } catch (IOException e) {
                    // The process ended while we looked.
                }
            }
        } catch (IOException e) {
            return "(cannot list /proc: " + e.getMessage() + ")";
        }
        return "(collector process of container " + containerId + " not found)";
    }

    /**
     * How much of the image's class-data archive the JVM has resident (smaps): a JVM that cannot use
     * the archive falls back to loading every class into metaspace without a word.
     */
    private static String archiveMapped(Path process) throws IOException {
        long rssKib = 0;
        boolean inArchive = false;
        for (String line : Files.readAllLines(process.resolve("smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inArchive = line.endsWith("/opt/scorch/scorch-collector.jsa");
            } else if (inArchive && line.startsWith("Rss:")) {
                rssKib += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return rssKib == 0 ? "class-data archive NOT mapped" : "class-data archive mapped, " + rssKib + " kB resident";
    }

    private Map<?, ?> containerStats(Pod pod) {
        Map<?, ?> summary = Serialization.unmarshal(kubectl.run("get", "--raw", "/api/v1/nodes/" + NODE + "/proxy/stats/summary"), Map.class);
        for (Object entry : (List<?>) summary.get("pods")) {
            Map<?, ?> podStats = (Map<?, ?>) entry;
            if (pod.getMetadata().getName().equals(((Map<?, ?>) podStats.get("podRef")).get("name"))) {
                return (Map<?, ?>) ((List<?>) podStats.get("containers")).getFirst();
            }
        }
        throw new IllegalStateException("pod " + pod.getMetadata().getName() + " is not in the kubelet's stats summary");
    }

    private static long number(Map<?, ?> stats, String group, String field) {
        return ((Number) ((Map<?, ?>) stats.get(group)).get(field)).longValue();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** deploy/ with the locally built images: what a user's kustomization over our manifests does. */
    private Path overlay() throws IOException {
        Path overlay = Files.createDirectories(work.resolve("overlay"));
        String operator = images.get("OPERATOR_IMAGE");
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                images:
                  - name: ghcr.io/scorch-dev/scorch-operator
                    newName: %s
                    newTag: %s
                patches:
                  - target: {kind: Deployment, name: scorch-operator}
                    patch: |
                      - op: replace
                        path: /spec/template/spec/containers/0/env/1/value
                        value: %s
                """.formatted(overlay.relativize(repository.resolve("deploy")), operator.substring(0, operator.lastIndexOf(':')),
                operator.substring(operator.lastIndexOf(':') + 1), images.get("COLLECTOR_IMAGE")));
        return overlay;
    }

    private String workload() {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {team: checkout}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: checkout-api, namespace: shop}
                spec:
                  selector: {matchLabels: {app: api}}
                  template:
                    metadata: {labels: {app: api}}
                    spec:
                      containers:
                      - {name: api, image: "%s", imagePullPolicy: Never}
                """.formatted(images.get("WORKLOAD_IMAGE"));
    }

    @Test
    @Order(3)
    void onANodeWhoseRuntimeLacksPerfmonTheCapabilitiesModeCollectorCannotStartAndTheStatusSaysWhy() throws Exception {
        replaceTheNodeWith(CONFINED_NODE, List.of("cap_perfmon"));
        kubectl.runWithInput(Serialization.asYaml(policy("shop-confined", "capabilities")), "apply", "-f", "-");

        PolicyStatus failing = await("the policy reports the confined node failing").atMost(GENEROUS).until(
                () -> status("shop-confined"), s -> s.conditionIs("Ready", "False") && !s.failingNode(CONFINED_NODE).isEmpty());
        Map<String, Object> entry = failing.failingNode(CONFINED_NODE);
        System.out.println("tier 6: confined node in status: " + entry);
        assertThat(entry.get("reason").toString()).isIn("RunContainerError", "CreateContainerError", "CrashLoopBackOff");
        assertThat(entry.get("message").toString()).contains("apply caps");
        assertThat(failing.condition("Ready").get("reason")).isEqualTo("NodesFailing");
    }

    private HostNode startNode(String name, List<String> runtimeLacks) throws IOException {
        Instant starting = Instant.now();
        HostNode started = HostNode.start(NodeArtifacts.fromEnvironment(), network,
                controlPlane.kubeconfigYamlVia(ControlPlane.ADMIN_USER, server), name,
                Files.createDirectories(work.resolve(name)), runtimeLacks);
        await("node " + name + " registers and turns Ready").atMost(GENEROUS).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().until(() -> client.nodes().withName(name).get().getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
        System.out.printf("tier 6: node %s start (containerd, image import, kubelet) to Ready %.1f s%n", name,
                Duration.between(starting, Instant.now()).toMillis() / 1000.0);
        return started;
    }

    /**
     * Stops the node and starts another in its place: its pods are deleted with its Node object
     * (no node lifecycle controller runs to evict them), so the operator and the workload come
     * back on the new node.
     */
    private void replaceTheNodeWith(String name, List<String> runtimeLacks) throws IOException {
        node.close();
        client.nodes().withName(NODE).delete();
        kubectl.run("delete", "pods", "--all", "--all-namespaces", "--force", "--grace-period=0");
        node = startNode(name, runtimeLacks);
        kubectl.run("-n", SCORCH_NAMESPACE, "rollout", "status", "deployment/scorch-operator", "--timeout=360s");
    }

    @AfterAll
    void stopEverything() {
        if (node != null) {
            System.out.println("tier 6: kubelet log tail:\n" + node.logTail("kubelet", 15));
            node.close();
        }
        if (parca != null) {
            parca.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (network != null) {
            network.close();
        }
    }
}
