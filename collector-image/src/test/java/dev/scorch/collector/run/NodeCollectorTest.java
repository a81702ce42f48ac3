package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.RunConfig;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.collector.kubernetes.NodePods;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.collector.workload.KubeletCgroups;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiers 2 and 3 together: the run mode samples this machine with perf_event_open, attributes a
 * process in a kubelet-shaped cgroup to its pod on a real API server, writes that pod's profile
 * (and nothing else) every interval, and its own pod's condition turns Collecting.
 */
class NodeCollectorTest {

    static final String NODE = "run-node";
    static final String SHOP = "run-shop";
    static final String BYSTANDERS = "run-bystanders";
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path profiles;

    @Test
    void profilesTheSelectedPodAndReportsCollectingOnItsOwnPod() throws Exception {
        Path mount = requireSamplingHost();
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        ReplicaSet checkout = checkout(admin);
        ReplicaSet bystander = bystander(admin);
        String collectorPod = collectorPod(admin, NODE);
        Path split = CWorkloads.compile("split");

        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container selected = cgroups.newContainer();
            KubeletCgroups.Container unselected = cgroups.newContainer();
            NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-a1b2c", NODE, selected.containerId(), checkout);
            NodePods.create(admin, BYSTANDERS, "bystander-6c9d8e7f5-d3e4f", NODE, unselected.containerId(), bystander);
            cgroups.start(selected, List.of(split.toString(), "20"));
            cgroups.start(unselected, List.of(split.toString(), "20"));

            NodeCollector collector = NodeCollector.start(config(), new NodeCollector.Identity(NODE, CollectorServiceAccount.NAMESPACE,
                    collectorPod), api, Clock.systemUTC());
            Thread loop = Thread.ofPlatform().name("run-loop").start(collector::runUntilClosed);
            try {
                Path serviceDirectory = profiles.resolve(SHOP + "_checkout");
                awaitTrue(() -> pprofFiles(serviceDirectory).stream().anyMatch(f -> contains(f, "scorch_hot")),
                        "a profile of " + SHOP + "/checkout naming scorch_hot in " + serviceDirectory);
                PodCondition condition = awaitCondition(admin, collectorPod, CollectingCondition.policyType("run-test"), "Collecting");
                assertThat(condition.getStatus()).isEqualTo("True");
                assertThat(condition.getMessage()).startsWith("node " + NODE + ": profiling ");
                assertThat(condition.getLastProbeTime()).isNotNull();
                PodCondition node = awaitCondition(admin, collectorPod, CollectingCondition.TYPE, "Collecting");
                assertThat(node.getMessage()).isEqualTo("node " + NODE + ": serving 1 policy: run-test Collecting");
                assertThat(get(collector.healthPort(), "/readyz").statusCode()).isEqualTo(200);
                String metrics = get(collector.healthPort(), "/metrics").body();
                assertThat(metrics).containsPattern("(?m)^scorch_samples_total [1-9]")
                        .containsPattern("(?m)^scorch_profiles_total [1-9]")
                        .containsPattern("(?m)^scorch_export_sent_total\\{policy=\"run-test\",backend=\"local\"} [1-9]")
                        .containsPattern("(?m)^scorch_pod_watch_failing 0$")
                        // A narrow policy samples only the selected pod's cgroup: the kernel never hands over the bystander's samples.
                        .containsPattern("(?m)^scorch_sampling_cgroups 1$")
                        .containsPattern("(?m)^scorch_samples_unselected_total 0$");
            } finally {
                collector.close();
                loop.join(Duration.ofSeconds(30));
            }
            try (Stream<Path> services = Files.list(profiles)) {
                assertThat(services.map(p -> p.getFileName().toString())).as("only the selected pod is profiled")
                        .containsExactly(SHOP + "_checkout");
            }
        }
    }

    @Test
    void oneCollectorServesEachPolicyOnlyItsOwnTargetsAndAnEditTouchesOnlyTheEditedPolicy() throws Exception {
        Path mount = requireSamplingHost();
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        ReplicaSet checkout = checkout(admin);
        ReplicaSet bystander = bystander(admin);
        String node = "multi-node-" + UUID.randomUUID().toString().substring(0, 5);
        String collectorPod = collectorPod(admin, node);
        Path checkoutOut = profiles.resolve("checkout");
        Path othersOut = profiles.resolve("others");
        String file = """
                {"health": {"port": 0, "statusUpdateSeconds": 1}, "spool": {"directory": "%s"}, "policies": [
                  {"name": "checkout", "sampling": {"frequencyHz": 49},
                   "targets": {"namespaceSelector": {"matchLabels": {"team": "checkout"}}},
                   "export": {"intervalSeconds": 2, "backends": [{"name": "local", "directory": {"path": "%s"}}]}},
                  {"name": "others", "sampling": {"frequencyHz": 99},
                   "targets": {"namespaceSelector": {"matchLabels": {"team": "other"}}},
                   "export": {"intervalSeconds": 3, "labels": {"edition": "%s"},
                              "backends": [{"name": "local", "directory": {"path": "%s"}}]}},
                  {"name": "gpu-only", "nodes": {"selector": {"matchLabels": {"pool": "gpu"}}},
                   "export": {"backends": [{"name": "local", "directory": {"path": "%s"}}]}}]}
                """;
        Path config = write("multi.json", file.formatted(profiles.resolve("spool"), checkoutOut, "first", othersOut,
                profiles.resolve("gpu")));
        Path split = CWorkloads.compile("split");

        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container selected = cgroups.newContainer();
            KubeletCgroups.Container other = cgroups.newContainer();
            NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-m1", node, selected.containerId(), checkout);
            NodePods.create(admin, BYSTANDERS, "bystander-6c9d8e7f5-m2", node, other.containerId(), bystander);
            cgroups.start(selected, List.of(split.toString(), "30"));
            cgroups.start(other, List.of(split.toString(), "30"));

            NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(node, CollectorServiceAccount.NAMESPACE,
                    collectorPod), api, Clock.systemUTC());
            Thread loop = Thread.ofPlatform().name("run-loop").start(collector::runUntilClosed);
            try {
                assertThat(collector.servedPolicies()).as("gpu-only's selector does not match this node").containsExactly("checkout", "others");
                awaitTrue(() -> pprofFiles(checkoutOut.resolve(SHOP + "_checkout")).size() >= 2, "checkout's profiles");
                awaitTrue(() -> pprofFiles(othersOut.resolve(BYSTANDERS + "_bystander")).stream().anyMatch(f -> contains(f, "first")),
                        "others' profiles, labelled edition=first");
                awaitCondition(admin, collectorPod, CollectingCondition.policyType("checkout"), "Collecting");
                awaitCondition(admin, collectorPod, CollectingCondition.policyType("others"), "Collecting");
                assertThat(collector.frequencyHz()).as("the highest frequency asked").isEqualTo(99);
                PolicyCollection checkoutBefore = collector.served("checkout");
                long checkoutIntervals = checkoutBefore.state(Optional.empty(), Optional.empty()).intervalsExported();

                Files.writeString(config, file.formatted(profiles.resolve("spool"), checkoutOut, "second", othersOut,
                        profiles.resolve("gpu")));
                awaitTrue(() -> pprofFiles(othersOut.resolve(BYSTANDERS + "_bystander")).stream().anyMatch(f -> contains(f, "second")),
                        "others' profiles after the edit, labelled edition=second");
                long filesBefore = pprofFiles(checkoutOut.resolve(SHOP + "_checkout")).size();
                awaitTrue(() -> pprofFiles(checkoutOut.resolve(SHOP + "_checkout")).size() > filesBefore, "checkout still exporting");

                assertThat(collector.served("checkout")).as("checkout was not restarted by the edit of others").isSameAs(checkoutBefore);
                assertThat(checkoutBefore.state(Optional.empty(), Optional.empty()).intervalsExported()).isGreaterThan(checkoutIntervals);
            } finally {
                collector.close();
                loop.join(Duration.ofSeconds(30));
            }
            assertThat(subdirectories(checkoutOut)).as("checkout's backend got only checkout's pod").containsExactly(SHOP + "_checkout");
            assertThat(subdirectories(othersOut)).as("others' backend got only the bystander").containsExactly(BYSTANDERS + "_bystander");
            assertThat(profiles.resolve("gpu")).doesNotExist();
        }
    }

    static List<String> subdirectories(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aNarrowPolicySamplesNothingUntilAPodIsSelectedThenOnlyItsCgroupLongBeforeTheIntervalEnds() throws Exception {
        Path mount = requireSamplingHost();
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        ReplicaSet checkout = checkout(admin);
        String node = "late-node-" + UUID.randomUUID().toString().substring(0, 5);
        Path config = write("late.json", """
                {"health": {"port": 0}, "spool": {"directory": "%s"},
                 "policies": [{"name": "late", "sampling": {"frequencyHz": 99},
                   "targets": {"namespaceSelector": {"matchLabels": {"team": "checkout"}}},
                   "export": {"intervalSeconds": 600, "backends": [{"name": "local", "directory": {"path": "%s"}}]}}]}
                """.formatted(profiles.resolve("spool"), profiles));
        Path split = CWorkloads.compile("split");

        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(node, null, null), api, Clock.systemUTC());
            Thread loop = Thread.ofPlatform().name("run-loop").start(collector::runUntilClosed);
            try {
                int port = collector.healthPort();
                Thread.sleep(1000);
                assertThat(metric(port, "scorch_sampling_cgroups")).as("no pod selected on " + node).isZero();
                assertThat(metric(port, "scorch_samples_total")).as("nothing sampled while nothing is selected").isZero();

                KubeletCgroups.Container container = cgroups.newContainer();
                cgroups.start(container, List.of(split.toString(), "20"));
                NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-late", node, container.containerId(), checkout);

                awaitTrue(() -> metric(port, "scorch_sampling_cgroups") == 1, "the new pod's cgroup sampled (interval: 600 s)");
                awaitTrue(() -> metric(port, "scorch_samples_total") > 0, "samples from the new pod's cgroup");
                assertThat(metric(port, "scorch_samples_unselected_total")).isZero();
            } finally {
                collector.close();
                loop.join(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void sigtermExportsTheIntervalInProgress() throws Exception {
        Path mount = requireSamplingHost();
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        CollectorServiceAccount.create(controlPlane);
        ReplicaSet checkout = checkout(admin);
        Path out = profiles.resolve("out");
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = profiles.resolve("collector.json");
        // One long interval: a profile can only come from the flush on SIGTERM.
        Files.writeString(config, """
                {"health": {"port": %d}, "spool": {"directory": "%s"},
                 "policies": [{"name": "sigterm", "sampling": {"frequencyHz": 99},
                   "targets": {"namespaceSelector": {"matchLabels": {"team": "checkout"}}},
                   "export": {"intervalSeconds": 600, "backends": [{"name": "local", "directory": {"path": "%s"}}]}}]}
                """.formatted(port, profiles.resolve("spool"), out));
        Path split = CWorkloads.compile("split");

        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container container = cgroups.newContainer();
            NodePods.create(admin, SHOP, "checkout-5d8f7c9b4-sigterm", "sigterm-node", container.containerId(), checkout);
            cgroups.start(container, List.of(split.toString(), "20"));
            Process collector = CollectorProcess.start(controlPlane, profiles, config, "sigterm-node");
            try {
                awaitTrue(() -> metric(port, "scorch_samples_total") > 0, "the collector sampling (log: " + profiles.resolve("collector.log") + ")");
                Thread.sleep(2000);
                assertThat(pprofFiles(out.resolve(SHOP + "_checkout"))).as("nothing exported before the interval ends").isEmpty();
            } finally {
                collector.destroy();
                assertThat(collector.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }

            assertThat(pprofFiles(out.resolve(SHOP + "_checkout"))).as("the interval in progress, flushed on SIGTERM")
                    .singleElement().satisfies(f -> assertThat(contains(f, "scorch_hot")).isTrue());
        }
    }

    /** Deployment checkout (its ReplicaSet) in namespace {@link #SHOP}, which is labelled team=checkout. */
    private static ReplicaSet checkout(KubernetesClient admin) {
        CollectorServiceAccount.namespaceWithDefaultAccount(admin, SHOP, Map.of("team", "checkout"));
        return NodePods.deploymentWithReplicaSet(admin, SHOP, "checkout", "5d8f7c9b4");
    }

    /** Deployment bystander (its ReplicaSet) in namespace {@link #BYSTANDERS}, which is labelled team=other. */
    private static ReplicaSet bystander(KubernetesClient admin) {
        CollectorServiceAccount.namespaceWithDefaultAccount(admin, BYSTANDERS, Map.of("team", "other"));
        return NodePods.deploymentWithReplicaSet(admin, BYSTANDERS, "bystander", "6c9d8e7f5");
    }

    /** A collector pod on {@code node}, which the collector writes its conditions to; returns its name. */
    private static String collectorPod(KubernetesClient admin, String node) {
        String name = "scorch-collector-" + UUID.randomUUID().toString().substring(0, 5);
        NodePods.create(admin, CollectorServiceAccount.NAMESPACE, name, node, NodePods.containerId(), null);
        return name;
    }

    static long metric(int port, String name) {
        try {
            return get(port, "/metrics").body().lines().filter(l -> l.startsWith(name + " "))
                    .mapToLong(l -> Long.parseLong(l.substring(name.length() + 1))).findFirst().orElse(0);
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void anUnusableConfigIsReportedOnThePodAndTheCollectorStaysUp() throws Exception {
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        String collectorPod = collectorPod(admin, NODE);
        Path config = write("collector.json", "{\"health\": {\"port\": 0}, \"policies\": [{\"export\": {}}]}");

        try (NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(NODE,
                CollectorServiceAccount.NAMESPACE, collectorPod), api, Clock.systemUTC())) {
            PodCondition condition = awaitCondition(admin, collectorPod, CollectingCondition.TYPE, "ConfigInvalid");

            assertThat(condition.getStatus()).isEqualTo("False");
            assertThat(condition.getMessage()).isEqualTo("node " + NODE + ": collector.json: policies[0].name: required");
            assertThat(collector.healthPort()).as("the port of the file's own health section (0: any free port), not the default 8080")
                    .isNotEqualTo(RunConfig.Health.DEFAULT.port());
            assertThat(get(collector.healthPort(), "/readyz").statusCode()).isEqualTo(503);
            assertThat(get(collector.healthPort(), "/healthz").statusCode()).isEqualTo(200);
        }
    }

    Path config() throws Exception {
        return write("collector.json", """
                {
                  "health": {"port": 0, "statusUpdateSeconds": 1},
                  "spool": {"directory": "%s"},
                  "policies": [{
                    "name": "run-test",
                    "sampling": {"frequencyHz": 99, "kernelStacks": true},
                    "targets": {"namespaceSelector": {"matchLabels": {"team": "checkout"}}},
                    "export": {"intervalSeconds": 2, "labels": {"cluster": "test"}, "spool": {"maxBytes": 67108864},
                               "backends": [{"name": "local", "directory": {"path": "%s"}}]}
                  }]
                }
                """.formatted(profiles.resolve("spool"), profiles));
    }

    /** Writes a config file beside the profiles (not inside the directory backends' paths). */
    Path write(String name, String json) throws IOException {
        Path directory = Files.createDirectories(profiles.resolveSibling(profiles.getFileName() + "-config"));
        return Files.writeString(directory.resolve(name), json);
    }

    static List<Path> pprofFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pb.gz")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether the profile's string table holds {@code text} (a function name, a label value). */
    static boolean contains(Path pprofGzip, String text) {
        try (var in = new GZIPInputStream(Files.newInputStream(pprofGzip))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    static PodCondition awaitCondition(KubernetesClient admin, String pod, String type, String reason) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            Optional<PodCondition> condition = admin.pods().inNamespace(CollectorServiceAccount.NAMESPACE).withName(pod).get()
                    .getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst();
            if (condition.isPresent() && condition.get().getReason().equals(reason)) {
                return condition.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition " + type + " of " + pod + " never reached " + reason + ": " + condition);
            }
            Thread.sleep(200);
        }
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** The cgroup2 mount, once this host is known to let the run mode sample kubelet-shaped cgroups. */
    private static Path requireSamplingHost() {
        Tier.REAL_KERNEL.require(isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        Path mount = CgroupDirectories.ofThisHost().unifiedMount().orElse(null);
        Tier.REAL_KERNEL.require(mount != null, "no cgroup2 mount to place workloads in kubelet-shaped cgroups");
        return mount;
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
