package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the real collector process serving several policies, each with two backends that
 * hold their sends forever (a loopback server that answers 200 and then trickles the body a byte
 * a second), one that never answers (its gRPC deadline ends each send) and one that refuses
 * connections: the collector exits within a pod's default termination grace period (30 s), and
 * the sends cut short are marked possibly delivered rather than left to be sent again.
 */
class CollectorShutdownTest {

    /** Kubernetes' default terminationGracePeriodSeconds: after it the kubelet sends SIGKILL. */
    private static final long GRACE_SECONDS = 30;
    private static final int POLICIES = 4;
    private static final List<String> HELD_BACKENDS = List.of("pyroscope", "otlp");
    private static final Duration FRESH_SEND = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void withManyBackendsHoldingSendsTheCollectorExitsWithinTheGracePeriodAndMarksThemPossiblyDelivered() throws Exception {
        Tier.REAL_KERNEL.require(NodeCollectorTest.isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        CollectorServiceAccount.create(controlPlane);
        int port = freePort();
        int refusing = freePort();

        try (Loopback trickling = new Loopback(true); Loopback silent = new Loopback(false)) {
            Path config = dir.resolve("collector.json");
            Files.writeString(config, config(port, trickling.port(), silent.port(), refusing));
            Process collector = CollectorProcess.start(controlPlane, dir, config, "shutdown-node");
            try {
                // Each backend sends one profile at a time, and a send to this server lasts until the
                // sender's own deadline (20 s, twice its request timeout) ends it: so many connections
                // opened within a short window are as many backends each holding a fresh send. Counting
                // every connection ever accepted also counted retries, and a send begun long before
                // SIGTERM can meet that deadline, as an ordinary failure kept for the next start,
                // before shutdown's in-flight grace (5 s from SIGTERM) cuts and marks it.
                int held = POLICIES * HELD_BACKENDS.size();
                NodeCollectorTest.awaitTrue(() -> trickling.connectionsWithin(FRESH_SEND) >= held,
                        held + " backends holding a send begun within " + FRESH_SEND.toSeconds() + " s (log: "
                                + dir.resolve("collector.log") + ")");
            } catch (AssertionError | RuntimeException e) {
                collector.destroyForcibly();
                throw e;
            }

            long signalled = System.nanoTime();
            collector.destroy();
            boolean exitedInGrace = collector.waitFor(GRACE_SECONDS, TimeUnit.SECONDS);
            if (!exitedInGrace) {
                collector.waitFor(120, TimeUnit.SECONDS);
            }
            long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            collector.destroyForcibly();
            List<Path> marked = possiblyDelivered();
            System.out.printf("collector exit after SIGTERM: %d ms (exit status %d), %d policies x 4 backends (%d holding a send, "
                    + "%d never answering, %d refusing), %d spool files marked possibly delivered%n", exitMillis, collector.exitValue(),
                    POLICIES, POLICIES * HELD_BACKENDS.size(), POLICIES, POLICIES, marked.size());

            assertThat(exitedInGrace).as("exited within the %d s grace period (took %d ms; log: %s)", GRACE_SECONDS, exitMillis,
                    dir.resolve("collector.log")).isTrue();
            assertThat(marked.stream().map(f -> f.getParent().getParent().getFileName() + "/" + f.getParent().getFileName())
                    .collect(Collectors.toSet()))
                    .as("every HTTP backend holding a send marked it possibly delivered")
                    .containsAll(IntStream.range(0, POLICIES).boxed()
                            .flatMap(i -> HELD_BACKENDS.stream().map(backend -> "term-" + i + "/" + backend))
                            .collect(Collectors.toSet()));
        }
    }

    @Test
    void whatTheCollectorLogsWhileItStopsReachesItsLog() throws Exception {
        Tier.REAL_KERNEL.require(NodeCollectorTest.isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        CollectorServiceAccount.create(controlPlane);
        Path config = Files.writeString(dir.resolve("collector.json"), """
                {"health": {"port": 0}, "spool": {"directory": "%s"},
                 "policies": [{"name": "logged", "sampling": {"frequencyHz": 19}, "targets": {"hostProcesses": true},
                   "export": {"intervalSeconds": 600, "backends": [{"name": "files", "directory": {"path": "%s"}}]}}]}
                """.formatted(dir.resolve("spool"), dir.resolve("profiles")));
        Path log = dir.resolve("collector.log");

        Process collector = CollectorProcess.start(controlPlane, dir, config, "logging-node");
        try {
            NodeCollectorTest.awaitTrue(() -> logged(log).contains("node logging-node: collecting until SIGTERM"),
                    "the collector started, its shutdown hook in place (log: " + log + ")");
        } finally {
            collector.destroy();
            assertThat(collector.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM (log: %s)", log).isTrue();
        }

        assertThat(logged(log)).as("collector.log after SIGTERM")
                .contains("node logging-node: stopped serving policy logged")
                .contains("node logging-node: stopped");
    }

    private static String logged(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private String config(int healthPort, int tricklingPort, int silentPort, int refusingPort) {
        List<String> policies = new ArrayList<>();
        for (int i = 0; i < POLICIES; i++) {
            policies.add("""
                    {"name": "term-%d", "sampling": {"frequencyHz": 49}, "targets": {"hostProcesses": true},
                     "export": {"intervalSeconds": 1, "backends": [
                       {"name": "pyroscope", "pyroscope": {"url": "http://127.0.0.1:%d"}},
                       {"name": "otlp", "otlp": {"endpoint": "http://127.0.0.1:%d"}},
                       {"name": "parca", "parca": {"address": "127.0.0.1:%d", "insecure": true}},
                       {"name": "refusing", "pyroscope": {"url": "http://127.0.0.1:%d"}}]}}"""
                    .formatted(i, tricklingPort, tricklingPort, silentPort, refusingPort));
        }
        return """
                {"health": {"port": %d}, "spool": {"directory": "%s"}, "policies": [%s]}
                """.formatted(healthPort, dir.resolve("spool"), String.join(",\n", policies));
    }

    private List<Path> possiblyDelivered() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("spool"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".possibly-delivered")).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * A loopback server that accepts every connection and either never answers or answers 200 at
     * once and then sends its long body a byte a second: a send to it stays in flight either way,
     * past any deadline on the answer's headers in the trickling case.
     */
    private static final class Loopback implements AutoCloseable {

        private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        private final boolean trickle;
        private final ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final List<Long> acceptedAt = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        Loopback(boolean trickle) throws IOException {
            this.trickle = trickle;
            this.acceptor = Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        /** How many connections it accepted within the last {@code window}. */
        int connectionsWithin(Duration window) {
            long since = System.nanoTime() - window.toNanos();
            return (int) acceptedAt.stream().filter(at -> at - since > 0).count();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    acceptedAt.add(System.nanoTime());
                    accepted.add(socket);
                    if (trickle) {
                        Thread.ofVirtual().start(() -> trickle(socket));
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void trickle(Socket socket) {
            try {
                socket.getOutputStream().write(HEADERS);
                while (true) {
                    socket.getOutputStream().write('{');
                    socket.getOutputStream().flush();
                    Thread.sleep(1000);
                }
            } catch (IOException | InterruptedException e) {
                // the collector gave up the send, or the test ended
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket socket : accepted) {
                socket.close();
            }
            acceptor.join();
        }
    }
}
