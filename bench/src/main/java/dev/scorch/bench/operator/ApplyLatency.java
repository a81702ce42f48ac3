package dev.scorch.bench.operator;

import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Apply -> DaemonSet: from creating a ProfilingPolicy until the one collector DaemonSet names it
 * among its owners, next to kube-controller-manager turning a Deployment into its ReplicaSet on the
 * same API server in the same run, one of each in turn. From the audit log, each apply is cut into
 * the same stages for both controllers: the input's create, the controller's reaction until the API
 * server received its write, the write, and the watch that reports the result. Also what one apply
 * cost the operator: reconciles, their mean duration and its API requests.
 */
final class ApplyLatency {

    static final String ANCHOR_NAMESPACE = "bench-anchor";
    private static final int WARM_UP = 5;
    private static final String RECONCILES = "operator_sdk_reconciliations_started_total";
    /** java-operator-sdk's timer of the reconcile method alone (Micrometer's Prometheus names). */
    private static final String RECONCILE_SECONDS = "operator_sdk_controllers_execution_reconcile_seconds";

    /** One apply: its input, when the benchmark started creating it, and when its output was seen. */
    private record Sample(String input, long startNanos, Instant start, OwnerArrivals.Arrival output) {
        Duration total() {
            return Duration.ofNanos(output.nanos() - startNanos);
        }
    }

    /** Who reacts to which input with which write, as the audit log names them. */
    private record Controller(String inputResource, String user, String verb, String outputResource) {}

    private static final Controller OPERATOR = new Controller("profilingpolicies", PackagedOperator.USER, "patch", "daemonsets");
    private static final Controller ANCHOR = new Controller("deployments", ControlPlane.CONTROLLER_MANAGER_USER, "create",
            "replicasets");

    private final KubernetesClient admin;
    private final BenchPolicies policies;
    private final PackagedOperator packaged;
    private final Path auditLog;
    private final OwnerArrivals daemonSets;
    private final OwnerArrivals replicaSets;

    ApplyLatency(KubernetesClient admin, BenchPolicies policies, PackagedOperator packaged, Path auditLog) {
        this.admin = admin;
        this.policies = policies;
        this.packaged = packaged;
        this.auditLog = auditLog;
        daemonSets = OwnerArrivals.watch(admin.apps().daemonSets().inNamespace(PackagedOperator.NAMESPACE).inform(),
                "ProfilingPolicy");
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ANCHOR_NAMESPACE).endMetadata().build())
                .create();
        replicaSets = OwnerArrivals.watch(admin.apps().replicaSets().inNamespace(ANCHOR_NAMESPACE).inform(), "Deployment");
    }

    /** Applies {@code count} policies and as many Deployments, one at a time after a warm-up, and reports. */
    String run(int count) throws Exception {
        List<Sample> operator = new ArrayList<>();
        List<Sample> anchor = new ArrayList<>();
        double reconcilesBefore = 0;
        double reconcileSecondsBefore = 0;
        double reconcileCountBefore = 0;
        ProcessCpu operatorCpu = packaged.cpu();
        ProcessCpu anchorCpu = ProcessCpu.descendantNamed("kube-controller-manager");
        double operatorCpuBefore = 0;
        double anchorCpuBefore = 0;
        Instant measuredFrom = null;
        for (int i = 0; i < WARM_UP + count; i++) {
            if (i == WARM_UP) {
                reconcilesBefore = packaged.counter(RECONCILES);
                reconcileSecondsBefore = packaged.counter(RECONCILE_SECONDS + "_sum");
                reconcileCountBefore = packaged.counter(RECONCILE_SECONDS + "_count");
                operatorCpuBefore = operatorCpu.seconds();
                anchorCpuBefore = anchorCpu.seconds();
                measuredFrom = Instant.now();
            }
            Sample policy = timed("latency-" + i, daemonSets,
                    name -> policies.create(name, Map.of("matchLabels", Map.of("scorch.dev/bench", "no-such-node"))));
            Sample deployment = timed("anchor-" + i, replicaSets, this::createDeployment);
            if (i >= WARM_UP) {
                operator.add(policy);
                anchor.add(deployment);
            }
        }
        // What the applies cost the operator, once the reconciles they started have run.
        Thread.sleep(Duration.ofSeconds(3));
        double operatorCpuMillis = 1000 * (operatorCpu.seconds() - operatorCpuBefore) / count;
        double anchorCpuMillis = 1000 * (anchorCpu.seconds() - anchorCpuBefore) / count;
        double reconciles = packaged.counter(RECONCILES) - reconcilesBefore;
        double reconcileMillis = 1000 * (packaged.counter(RECONCILE_SECONDS + "_sum") - reconcileSecondsBefore)
                / (packaged.counter(RECONCILE_SECONDS + "_count") - reconcileCountBefore);
        List<AuditEvent> audited = AuditLog.read(auditLog);
        String requests = AuditedRequests.perApply(audited, PackagedOperator.USER, measuredFrom, Instant.now(), count);
        for (int i = 0; i < WARM_UP + count; i++) {
            policies.delete("latency-" + i);
        }
        admin.apps().deployments().inNamespace(ANCHOR_NAMESPACE).delete();
        OperatorBenchmark.awaitFor("garbage collection of the latency policies' DaemonSets", Duration.ofMinutes(3),
                () -> admin.apps().daemonSets().inNamespace(PackagedOperator.NAMESPACE).list().getItems().isEmpty());
        return "apply -> DaemonSet names the policy (" + count + " policies, one at a time): "
                + Percentiles.of(operator.stream().map(Sample::total).toList())
                + "\n  anchor, Deployment -> ReplicaSet by kube-controller-manager: "
                + Percentiles.of(anchor.stream().map(Sample::total).toList())
                + "\n  where the time goes, p50 of each stage (operator | anchor):"
                + stages(audited, operator, OPERATOR, anchor, ANCHOR)
                + "\n  operator per apply: " + String.format("%.1f", reconciles / count) + " reconciles of "
                + String.format("%.1f", reconcileMillis) + " ms on average, requests " + requests
                + "\n  CPU per apply (both applies' whole window, 3 s of settling included): operator "
                + String.format("%.1f", operatorCpuMillis) + " ms; anchor, kube-controller-manager (all its controllers) "
                + String.format("%.1f", anchorCpuMillis) + " ms";
    }

    private Sample timed(String name, OwnerArrivals outputs, java.util.function.Consumer<String> create) throws Exception {
        Instant start = Instant.now();
        long startNanos = System.nanoTime();
        create.accept(name);
        return new Sample(name, startNanos, start, outputs.await(name));
    }

    private void createDeployment(String name) {
        admin.apps().deployments().inNamespace(ANCHOR_NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(0)
                    .withNewSelector().addToMatchLabels("app", name).endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                        .withNewSpec().addNewContainer().withName("main").withImage("registry.invalid/anchor:1")
                        .endContainer().endSpec()
                    .endTemplate()
                .endSpec().build()).create();
    }

    /**
     * Each apply's stages from the audit log (the input's create by the admin, then the controller's
     * first write of its output after it): the benchmark's request until the API server received it;
     * the create in the API server; from the create's response until the API server received the
     * controller's write (the watch event to the controller and all it does before writing); the
     * write in the API server; from the write's response until the benchmark's watch saw the result.
     */
    private static String stages(List<AuditEvent> audited, List<Sample> operator, Controller operatorWrites,
            List<Sample> anchor, Controller anchorWrites) {
        List<Stage> left = Stage.of(audited, operator, operatorWrites);
        List<Stage> right = Stage.of(audited, anchor, anchorWrites);
        StringBuilder report = new StringBuilder();
        List<String> names = List.of("request to the API server", "the input's create", "create -> the controller's write received",
                "the controller's write", "write -> the benchmark's watch");
        for (int i = 0; i < names.size(); i++) {
            int stage = i;
            report.append("\n    ").append(names.get(i)).append(": ")
                    .append(p50(left.stream().map(s -> s.durations().get(stage)).toList())).append(" | ")
                    .append(p50(right.stream().map(s -> s.durations().get(stage)).toList()));
        }
        report.append(" (").append(left.size()).append(" | ").append(right.size()).append(" applies found in the audit log)");
        return report.toString();
    }

    private static String p50(List<Duration> durations) {
        return durations.isEmpty() ? "-" : Percentiles.millis(Percentiles.of(durations).p50());
    }

    /** The five stages of one apply, in order. */
    private record Stage(List<Duration> durations) {
        static List<Stage> of(List<AuditEvent> audited, List<Sample> samples, Controller controller) {
            List<AuditEvent> writes = audited.stream().filter(e -> controller.user().equals(e.effectiveUser())
                    && controller.verb().equals(e.verb()) && controller.outputResource().equals(e.resource())).toList();
            Function<String, Optional<AuditEvent>> createOf = name -> audited.stream().filter(e -> "create".equals(e.verb())
                    && controller.inputResource().equals(e.resource()) && name.equals(e.name())).findFirst();
            List<Stage> stages = new ArrayList<>();
            for (Sample sample : samples) {
                createOf.apply(sample.input()).ifPresent(create -> writes.stream()
                        .filter(write -> !write.received().isBefore(create.received())).findFirst()
                        .ifPresent(write -> stages.add(new Stage(List.of(
                                Duration.between(sample.start(), create.received()),
                                Duration.between(create.received(), create.completed()),
                                Duration.between(create.completed(), write.received()),
                                Duration.between(write.received(), write.completed()),
                                Duration.between(write.completed(), sample.output().at()))))));
            }
            return stages;
        }
    }
}
