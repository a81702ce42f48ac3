package dev.scorch.bench.operator;

import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Kustomization;
import dev.scorch.testenv.Kwok;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The operator benchmark of issue 2, printed as figures (bench/operator.sh runs it), each next to
 * Kubernetes' own controller doing the matching step on the same API server in the same run:
 * <ol>
 *   <li>apply -> DaemonSet ({@link ApplyLatency}), against kube-controller-manager's Deployment ->
 *       ReplicaSet, with where the time goes and what one apply costs the operator;</li>
 *   <li>status at scale ({@link StatusAtScale}), against the DaemonSet's own ready count;</li>
 *   <li>idle requests ({@link AuditedRequests#whileIdle}): what the operator asks of the API server
 *       in a steady cluster, next to the controller manager and the scheduler.</li>
 * </ol>
 * The operator runs as its packaged application under its ServiceAccount from deploy/, against
 * etcd, kube-apiserver (audit log on), kube-controller-manager, kube-scheduler and kwok.
 */
public final class OperatorBenchmark {

    private OperatorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        String auditPolicy = AuditLog.policyForUsers(
                List.of(PackagedOperator.USER, ControlPlane.CONTROLLER_MANAGER_USER, ControlPlane.SCHEDULER_USER),
                List.of(ControlPlane.ADMIN_USER));
        try (ControlPlane controlPlane = ControlPlane.start(ControlPlane.Options.withControllers().auditedBy(auditPolicy));
                Kwok kwok = Kwok.start(controlPlane)) {
            KubernetesClient admin = controlPlane.adminClient();
            Kustomization.apply(admin, settings.deploy(), object -> !"Deployment".equals(object.getKind()));
            try (PackagedOperator operator = PackagedOperator.start(controlPlane, settings.operatorJar(), settings.operatorJavaOptions())) {
                BenchPolicies policies = new BenchPolicies(admin);
                ApplyLatency applies = new ApplyLatency(admin, policies, operator, controlPlane.auditLog());
                Instant started = Instant.now();
                String applyReport = applies.run(settings.policies());
                String statusReport = new StatusAtScale(admin, policies).run(kwok, settings.nodes());
                String idleReport = AuditedRequests.whileIdle(controlPlane.auditLog(), settings.idleSeconds());
                System.out.println();
                System.out.println("== Scorch operator benchmark (" + Instant.now() + ", "
                        + Runtime.getRuntime().availableProcessors() + " CPUs, took "
                        + Duration.between(started, Instant.now()).toSeconds() + " s) ==");
                System.out.println(applyReport);
                System.out.println(statusReport);
                System.out.println(idleReport);
            } finally {
                if (!settings.operatorLog().toString().isEmpty()) {
                    Files.copy(controlPlane.workDirectory().resolve("operator.log"), settings.operatorLog(),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        System.exit(0);
    }

    /** Completes with the System.nanoTime() at which {@code done} first held, polling every 50 ms. */
    static CompletableFuture<Long> pollUntil(Supplier<Boolean> done) {
        return CompletableFuture.supplyAsync(() -> {
            while (!done.get()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return System.nanoTime();
        });
    }

    static void awaitFor(String what, Duration timeout, Supplier<Boolean> done) throws Exception {
        try {
            pollUntil(done).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out after " + timeout + " waiting for " + what, e);
        }
    }

    /**
     * Command-line settings: {@code --policies=100 --nodes=1000 --idle-seconds=60 --operator-jar=... --deploy=deploy
     * --operator-log= --operator-java-options= --operator-containerfile=operator/src/main/docker/Containerfile}:
     * where to keep the operator's log (not kept when empty); the operator JVM's options,
     * space-separated, by default those of the image's ENTRYPOINT ({@link ImageJavaOptions}).
     */
    record Settings(int policies, int nodes, int idleSeconds, Path operatorJar, Path deploy, Path operatorLog,
            List<String> operatorJavaOptions) {

        static Settings parse(String[] args) {
            Map<String, String> values = new HashMap<>(Map.of(
                    "policies", "100",
                    "nodes", "1000",
                    "idle-seconds", "60",
                    "operator-jar", "operator/target/quarkus-app/quarkus-run.jar",
                    "deploy", "deploy",
                    "operator-log", "",
                    "operator-java-options", "(the image's)",
                    "operator-containerfile", "operator/src/main/docker/Containerfile"));
            for (String arg : args) {
                String[] pair = arg.replaceFirst("^--", "").split("=", 2);
                if (pair.length != 2 || !values.containsKey(pair[0])) {
                    throw new IllegalArgumentException("unknown argument " + arg + "; known: " + values.keySet());
                }
                values.put(pair[0], pair[1]);
            }
            return new Settings(Integer.parseInt(values.get("policies")), Integer.parseInt(values.get("nodes")),
                    Integer.parseInt(values.get("idle-seconds")), Path.of(values.get("operator-jar")),
                    Path.of(values.get("deploy")), Path.of(values.get("operator-log")),
                    "(the image's)".equals(values.get("operator-java-options"))
                            ? ImageJavaOptions.of(Path.of(values.get("operator-containerfile")))
                            : List.of(values.get("operator-java-options").split(" ")).stream()
                                    .filter(option -> !option.isBlank()).toList());
        }
    }
}
