package dev.scorch.collector.run;

import static dev.scorch.collector.run.NodeCollectorTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.collector.kubernetes.NodePods;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * collector.json loses one of two policies while a backend of the removed one holds a send (a
 * loopback server that accepts and never answers, so closing that backend takes its 5 s grace and
 * more): the removed policy leaves the node's served policies and its condition leaves the pod, and
 * the policy that stays goes on exporting. The time the removal took is printed: the removed
 * policy's backends close off the collector's loop, so it is the loop's next pass, not their close.
 */
class PolicyRemovalTest {

    private static final String POLICIES = """
            {"health": {"port": 0, "statusUpdateSeconds": 1}, "spool": {"directory": "%s"}, "policies": [
              {"name": "stays", "sampling": {"frequencyHz": 49}, "targets": {"hostProcesses": true},
               "export": {"intervalSeconds": 1, "backends": [{"name": "local", "directory": {"path": "%s"}}]}}%s]}
            """;
    private static final String REMOVED = """
            ,
              {"name": "goes", "sampling": {"frequencyHz": 49}, "targets": {"hostProcesses": true},
               "export": {"intervalSeconds": 1, "backends": [{"name": "held", "otlp": {"endpoint": "http://127.0.0.1:%d"}}]}}""";

    @TempDir
    Path dir;

    @Test
    void aRemovedPolicyWhoseBackendHoldsASendLeavesThePodWhileThePolicyThatStaysGoesOnExporting() throws Exception {
        Tier.REAL_KERNEL.require(NodeCollectorTest.isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        String node = "removal-node-" + UUID.randomUUID().toString().substring(0, 5);
        String pod = "scorch-collector-" + UUID.randomUUID().toString().substring(0, 5);
        NodePods.create(admin, CollectorServiceAccount.NAMESPACE, pod, node, NodePods.containerId(), null);
        Path stays = dir.resolve("stays");
        Path spool = dir.resolve("spool");

        try (SilentServer silent = new SilentServer()) {
            Path config = Files.writeString(dir.resolve("collector.json"), POLICIES.formatted(spool, stays, REMOVED.formatted(silent.port())));
            NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(node, CollectorServiceAccount.NAMESPACE, pod),
                    api, Clock.systemUTC());
            Thread loop = Thread.ofPlatform().name("removal-loop").start(collector::runUntilClosed);
            try {
                awaitTrue(() -> !silent.accepted.isEmpty(), "a send of goes held by the silent server");
                awaitTrue(() -> hasCondition(admin, pod, "goes"), "goes' condition on the pod");

                long removedAt = System.nanoTime();
                Files.writeString(config, POLICIES.formatted(spool, stays, ""));
                awaitTrue(() -> collector.servedPolicies().equals(List.of("stays")), "goes no longer served");
                System.out.printf("goes left the served policies %d ms after collector.json lost it%n",
                        Duration.ofNanos(System.nanoTime() - removedAt).toMillis());
                long staysBefore = profilesUnder(stays);

                awaitTrue(() -> !hasCondition(admin, pod, "goes"), "goes' condition taken off the pod");
                awaitTrue(() -> profilesUnder(stays) > staysBefore, "stays still exporting");
                assertThat(hasCondition(admin, pod, "stays")).isTrue();
            } finally {
                collector.close();
                loop.join(Duration.ofSeconds(30));
            }
        }
    }

    private static boolean hasCondition(KubernetesClient admin, String pod, String policy) {
        String type = CollectingCondition.policyType(policy);
        return admin.pods().inNamespace(CollectorServiceAccount.NAMESPACE).withName(pod).get().getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals(type));
    }

    private static long profilesUnder(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pb.gz")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Accepts every connection and never answers: a send to it stays in flight until cut or timed out. */
    private static final class SilentServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        SilentServer() throws IOException {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        accepted.add(server.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }
}
