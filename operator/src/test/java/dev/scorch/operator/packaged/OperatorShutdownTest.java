package dev.scorch.operator.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.apiserver.DeployManifests;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.LocalProcess;
import dev.scorch.testenv.LoopbackPorts;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3, after packaging: the operator as users run it ({@code quarkus-run.jar} in its own JVM,
 * a real ServiceAccount token) stops on SIGTERM, as a kubelet sends it on every rollout and node
 * drain, whether it leads or follows. The bound is a grace period, not a benchmark: well under the
 * Deployment's 30 s, so the kubelet never has to SIGKILL it. The measured time is printed.
 */
class OperatorShutdownTest {
    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    /** Well inside the default terminationGracePeriodSeconds (30 s) on a loaded 2-core machine. */
    static final Duration GRACE = Duration.ofSeconds(20);
    private static final String NAMESPACE = "scorch-system";
    private static final String SERVICE_ACCOUNT = "scorch-operator";
    private static ControlPlane controlPlane;

    @BeforeAll
    static void controlPlane() {
        assertThat(JAR).as("the packaged operator; this test runs in the package phase").isRegularFile();
        controlPlane = ControlPlane.start(ControlPlane.Options.apiServerOnly());
        DeployManifests.install(controlPlane.adminClient());
    }

    @AfterAll
    static void stop() {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @Test
    void theLeaderExitsWithinTheGracePeriodOfSigtermWhileReconciling() throws Exception {
        try (Started leader = start("leader-a")) {
            awaitLeader("leader-a", leader.process());
            controlPlane.adminClient().resource(Policies.parse("shutdown", """
                    export:
                      backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
                    """)).create();
            awaitLog(leader.process(), "Applying a collector object: trigger=shutdown kind=DaemonSet"
                    + " object=scorch-system/scorch-collector reason=\"it does not exist\"", "the leader to reconcile");

            assertExitsOnSigterm(leader.process(), "leader");
            assertThat(Files.readString(leader.process().log())).as("log lines name their context as key=value")
                    .doesNotContain("ResourceID{", "policy= ", "namespace='null'");
        }
    }

    @Test
    void aFollowerExitsWithinTheGracePeriodOfSigterm() throws Exception {
        try (Started leader = start("leader-b")) {
            awaitLeader("leader-b", leader.process());
            try (Started follower = start("follower-b")) {
                awaitLive(follower);
                assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("leader-b");

                assertExitsOnSigterm(follower.process(), "follower");
            }
        }
    }

    private static void assertExitsOnSigterm(LocalProcess operator, String role) throws InterruptedException {
        long start = System.nanoTime();
        OptionalInt exit = operator.terminate(GRACE);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("operator shutdown: the %s exited %s after SIGTERM in %d ms%n", role,
                exit.isPresent() ? "with code " + exit.getAsInt() : "NOT", took.toMillis());
        assertThat(exit).as("the %s exits within %s of SIGTERM; last log lines:%n%s", role, GRACE, operator.logTail(40))
                .isPresent();
    }

    /** A packaged operator and the loopback port of its HTTP endpoints. */
    private record Started(LocalProcess process, int port) implements AutoCloseable {
        @Override
        public void close() {
            process.close();
        }
    }

    private static Started start(String identity) {
        Path work = controlPlane.workDirectory();
        Path kubeconfig = controlPlane.writeKubeconfigWithToken("system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT,
                controlPlane.serviceAccountToken(NAMESPACE, SERVICE_ACCOUNT), work.resolve(identity + ".kubeconfig"));
        String java = ProcessHandle.current().info().command().orElse("java");
        int port = LoopbackPorts.free();
        return new Started(LocalProcess.start("operator " + identity, List.of(java, "-jar", JAR.toString()), Map.of(
                "KUBECONFIG", kubeconfig.toString(),
                "HOSTNAME", identity,
                "SCORCH_NAMESPACE", NAMESPACE,
                "SCORCH_COLLECTOR_IMAGE", "registry.invalid/scorch-collector:shutdown-test",
                "QUARKUS_HTTP_HOST", "127.0.0.1",
                "QUARKUS_HTTP_PORT", Integer.toString(port)),
                work.resolve(identity + ".log")), port);
    }

    private static Lease lease() {
        return controlPlane.adminClient().leases().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT).get();
    }

    private static void awaitLeader(String identity, LocalProcess operator) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            operator.requireAlive();
            Lease lease = lease();
            if (lease != null && identity.equals(lease.getSpec().getHolderIdentity())) {
                return;
            }
            assertThat(System.nanoTime()).as("%s to take the lease; log:%n%s", identity, operator.logTail(30))
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Waits until the application has started: its liveness endpoint answers 200. */
    private static void awaitLive(Started operator) throws InterruptedException {
        URI live = URI.create("http://127.0.0.1:" + operator.port() + "/q/health/live");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                operator.process().requireAlive();
                try {
                    if (http.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // Quarkus is still starting.
                }
                assertThat(System.nanoTime()).as("%s to start; log:%n%s", operator.process().name(),
                        operator.process().logTail(30)).isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }

    private static void awaitLog(LocalProcess operator, String line, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!operator.logTail(2000).contains(line)) {
            operator.requireAlive();
            assertThat(System.nanoTime()).as("%s; log:%n%s", what, operator.logTail(30)).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
