package dev.scorch.bench.operator;

import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Kustomization;
import dev.scorch.testenv.Kwok;
import dev.scorch.testenv.PodStatusSimulation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The operator benchmark of issue 2, printed as figures (bench/operator.sh runs it):
 * <ol>
 *   <li>apply -> DaemonSet: time from creating a ProfilingPolicy until the one collector DaemonSet
 *       exists with the policy among its owners, p50 and
 *       p99 over {@code --policies} policies, next to kube-controller-manager turning a Deployment
 *       into its ReplicaSet on the same API server in the same run (the anchor: the same
 *       "object in, owned object out" step done by Kubernetes' own controller); of which the time
 *       until the API server received each controller's write (audit log); and what one apply cost
 *       the operator: reconciles (java-operator-sdk's counter on its /q/metrics) and API requests
 *       (audit log) per apply, and how its status writes spread over the policies;</li>
 *   <li>status at scale: {@code --nodes} kwok nodes run the policy's collector pods; every pod's
 *       {@code scorch.dev/Collecting} condition turns True (written as collectors would); time
 *       until the policy status says all ready and collecting with Ready=True, next to the time
 *       until the DaemonSet's own status counts them ready (the anchor);</li>
 *   <li>idle requests: API requests the operator issued during {@code --idle-seconds} of a steady
 *       cluster, from the API server's audit log, next to the controller manager's and the
 *       scheduler's in the same window.</li>
 * </ol>
 * The operator runs as its packaged application under its ServiceAccount from deploy/.
 */
public final class OperatorBenchmark {

    private static final String COLLECTING = "scorch.dev/Collecting";
    private static final String ANCHOR_NAMESPACE = "bench-anchor";
    private static final int WARM_UP = 5;

    private static final String RECONCILES = "operator_sdk_reconciliations_started_total";
    /** java-operator-sdk's timer of the reconcile method alone (Micrometer's Prometheus names). */
    private static final String RECONCILE_SECONDS = "operator_sdk_controllers_execution_reconcile_seconds";

    private final KubernetesClient admin;
    private final PackagedOperator packaged;
    private final Path auditLog;
    private final Map<String, CompletableFuture<Long>> daemonSetSeen = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> replicaSetSeen = new ConcurrentHashMap<>();

    private OperatorBenchmark(KubernetesClient admin, PackagedOperator operator, Path auditLog) {
        this.admin = admin;
        this.packaged = operator;
        this.auditLog = auditLog;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        String auditPolicy = AuditLog.policyForUsers(List.of(
                PackagedOperator.USER, ControlPlane.CONTROLLER_MANAGER_USER, ControlPlane.SCHEDULER_USER));
        try (ControlPlane controlPlane = ControlPlane.start(ControlPlane.Options.withControllers().auditedBy(auditPolicy));
                Kwok kwok = Kwok.start(controlPlane)) {
            KubernetesClient admin = controlPlane.adminClient();
            Kustomization.apply(admin, settings.deploy(), object -> !"Deployment".equals(object.getKind()));
            try (PackagedOperator operator = PackagedOperator.start(controlPlane, settings.operatorJar())) {
                OperatorBenchmark benchmark = new OperatorBenchmark(admin, operator, controlPlane.auditLog());
                benchmark.watchOwnedObjects();
                Instant started = Instant.now();
                String applyReport = benchmark.applyToDaemonSet(settings.policies());
                String statusReport = benchmark.statusAtScale(kwok, settings.nodes());
                String idleReport = benchmark.idleRequests(controlPlane.auditLog(), settings.idleSeconds());
                System.out.println();
                System.out.println("== Scorch operator benchmark (" + Instant.now() + ", "
                        + Runtime.getRuntime().availableProcessors() + " CPUs, took "
                        + Duration.between(started, Instant.now()).toSeconds() + " s) ==");
                System.out.println(applyReport);
                System.out.println(statusReport);
                System.out.println(idleReport);
            } finally {
                if (!settings.operatorLog().toString().isEmpty()) {
                    java.nio.file.Files.copy(controlPlane.workDirectory().resolve("operator.log"), settings.operatorLog(),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        System.exit(0);
    }

    private void watchOwnedObjects() {
        inform(admin.apps().daemonSets().inNamespace(PackagedOperator.NAMESPACE).inform(), "ProfilingPolicy", daemonSetSeen);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ANCHOR_NAMESPACE).endMetadata().build())
                .create();
        inform(admin.apps().replicaSets().inNamespace(ANCHOR_NAMESPACE).inform(), "Deployment", replicaSetSeen);
    }

    private static <T extends HasMetadata> void inform(SharedIndexInformer<T> informer, String ownerKind,
            Map<String, CompletableFuture<Long>> seen) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                owned(object);
            }

            /** The one collector DaemonSet gains an owner per policy it serves. */
            @Override
            public void onUpdate(T before, T after) {
                owned(after);
            }

            private void owned(T object) {
                long now = System.nanoTime();
                for (OwnerReference owner : object.getMetadata().getOwnerReferences()) {
                    if (ownerKind.equals(owner.getKind())) {
                        seen.computeIfAbsent(owner.getName(), name -> new CompletableFuture<>()).complete(now);
                    }
                }
            }

            @Override
            public void onDelete(T object, boolean unknownFinalState) {
            }
        });
    }

    private String applyToDaemonSet(int policies) throws Exception {
        List<Duration> operator = new ArrayList<>();
        List<Duration> anchor = new ArrayList<>();
        List<Instant> policiesCreated = new ArrayList<>();
        List<Instant> deploymentsCreated = new ArrayList<>();
        double reconcilesBefore = 0;
        double reconcileSecondsBefore = 0;
        double reconcileCountBefore = 0;
        Instant measuredFrom = null;
        for (int i = 0; i < WARM_UP + policies; i++) {
            if (i == WARM_UP) {
                reconcilesBefore = packaged.counter(RECONCILES);
                reconcileSecondsBefore = packaged.counter(RECONCILE_SECONDS + "_sum");
                reconcileCountBefore = packaged.counter(RECONCILE_SECONDS + "_count");
                measuredFrom = Instant.now();
            }
            String policy = "latency-" + i;
            Instant created = Instant.now();
            long start = System.nanoTime();
            createPolicy(policy, Map.of("matchLabels", Map.of("scorch.dev/bench", "no-such-node")));
            Duration toDaemonSet = Duration.ofNanos(arrival(daemonSetSeen, policy) - start);

            String deployment = "anchor-" + i;
            Instant deploymentCreated = Instant.now();
            start = System.nanoTime();
            admin.apps().deployments().inNamespace(ANCHOR_NAMESPACE).resource(new DeploymentBuilder()
                    .withNewMetadata().withName(deployment).endMetadata()
                    .withNewSpec().withReplicas(0)
                        .withNewSelector().addToMatchLabels("app", deployment).endSelector()
                        .withNewTemplate().withNewMetadata().addToLabels("app", deployment).endMetadata()
                            .withNewSpec().addNewContainer().withName("main").withImage("registry.invalid/anchor:1")
                            .endContainer().endSpec()
                        .endTemplate()
                    .endSpec().build()).create();
            Duration toReplicaSet = Duration.ofNanos(arrival(replicaSetSeen, deployment) - start);
            if (i >= WARM_UP) {
                operator.add(toDaemonSet);
                anchor.add(toReplicaSet);
                policiesCreated.add(created);
                deploymentsCreated.add(deploymentCreated);
            }
        }
        // What the applies cost the operator, once the reconciles they started have run.
        Thread.sleep(Duration.ofSeconds(3));
        double reconciles = packaged.counter(RECONCILES) - reconcilesBefore;
        double reconcileMillis = 1000 * (packaged.counter(RECONCILE_SECONDS + "_sum") - reconcileSecondsBefore)
                / (packaged.counter(RECONCILE_SECONDS + "_count") - reconcileCountBefore);
        String requests = requestsBy(PackagedOperator.USER, measuredFrom, Instant.now(), policies);
        for (int i = 0; i < WARM_UP + policies; i++) {
            policies().withName("latency-" + i).delete();
        }
        admin.apps().deployments().inNamespace(ANCHOR_NAMESPACE).delete();
        awaitFor("garbage collection of the latency policies' DaemonSets", Duration.ofMinutes(3),
                () -> admin.apps().daemonSets().inNamespace(PackagedOperator.NAMESPACE).list().getItems().isEmpty());
        return "apply -> DaemonSet exists (" + policies + " policies, one at a time): " + Percentiles.of(operator)
                + "\n  anchor, Deployment -> ReplicaSet by kube-controller-manager: " + Percentiles.of(anchor)
                + "\n  of which until the API server received the operator's DaemonSet patch: "
                + Percentiles.of(untilRequest(policiesCreated, PackagedOperator.USER, "patch", "daemonsets"))
                + "; kube-controller-manager's ReplicaSet create: "
                + Percentiles.of(untilRequest(deploymentsCreated, ControlPlane.CONTROLLER_MANAGER_USER, "create", "replicasets"))
                + "\n  operator per apply: " + String.format("%.1f", reconciles / policies) + " reconciles of " + String.format("%.1f", reconcileMillis) + " ms on average, requests " + requests;
    }

    /**
     * For each time in {@code starts}, how long until the API server received the next {@code verb}
     * of {@code resource} by {@code user} (audit log): the controller's own reaction, without the
     * write itself and the watch that reports its result.
     */
    private List<Duration> untilRequest(List<Instant> starts, String user, String verb, String resource) {
        List<Instant> requests = AuditLog.read(auditLog).stream()
                .filter(event -> user.equals(event.effectiveUser()) && verb.equals(event.verb()) && resource.equals(event.resource()))
                .map(AuditEvent::received).sorted().toList();
        List<Duration> until = new ArrayList<>();
        for (Instant start : starts) {
            requests.stream().filter(received -> !received.isBefore(start)).findFirst()
                    .ifPresent(received -> until.add(Duration.between(start, received)));
        }
        return until;
    }

    private String statusAtScale(Kwok kwok, int nodes) throws Exception {
        Instant nodesStart = Instant.now();
        kwok.awaitReady(kwok.createNodes("bench-node", nodes), Duration.ofMinutes(10));
        Duration nodesReady = Duration.between(nodesStart, Instant.now());

        long applied = System.nanoTime();
        createPolicy("fleet", Map.of("matchLabels", Map.of(Kwok.MANAGED_LABEL, "true")));
        awaitFor(nodes + " collector pods Running", Duration.ofMinutes(10), () -> collectorPods().stream()
                .filter(pod -> "Running".equals(pod.getStatus().getPhase())).count() == nodes);
        Duration podsRunning = Duration.ofNanos(System.nanoTime() - applied);

        PodStatusSimulation collectors = new PodStatusSimulation(admin);
        List<Pod> pods = collectorPods();
        long firstReport = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Pod pod : pods) {
                pool.submit(() -> collectors.setCondition(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        COLLECTING, true, "Collecting", "node " + pod.getSpec().getNodeName() + " exports to parca",
                        Instant.now()));
            }
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.MINUTES);
        }
        long allReported = System.nanoTime();

        CompletableFuture<Long> daemonSetCounts = pollUntil(() -> {
            DaemonSet daemonSet = daemonSetOf("fleet");
            return daemonSet != null && daemonSet.getStatus() != null && daemonSet.getStatus().getNumberReady() == nodes;
        });
        CompletableFuture<Long> policyCounts = pollUntil(() -> policyReports(policies().withName("fleet").get(), nodes));
        long daemonSetAt = daemonSetCounts.get(5, TimeUnit.MINUTES);
        long policyAt = policyCounts.get(5, TimeUnit.MINUTES);
        return "status at scale (" + nodes + " kwok nodes; Ready after " + nodesReady.toSeconds() + " s; "
                + nodes + " collector pods Running " + podsRunning.toSeconds() + " s after apply):"
                + "\n  " + nodes + " Collecting=True written in " + Percentiles.millis(Duration.ofNanos(allReported - firstReport))
                + " (8 writers)"
                + "\n  policy status says " + nodes + " ready and collecting, Ready=True: "
                + Percentiles.millis(Duration.ofNanos(policyAt - allReported)) + " after the last write"
                + "\n  anchor, DaemonSet status numberReady=" + nodes + " (kube-controller-manager): "
                + Percentiles.millis(Duration.ofNanos(daemonSetAt - allReported)) + " after the last write";
    }

    @SuppressWarnings("unchecked")
    private static boolean policyReports(GenericKubernetesResource policy, int nodes) {
        if (policy == null || !(policy.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
            return false;
        }
        Map<String, Object> counts = (Map<String, Object>) status.get("nodes");
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) status.get("conditions");
        boolean ready = conditions != null && conditions.stream()
                .anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
        return ready && counts != null && Integer.valueOf(nodes).equals(counts.get("ready"))
                && Integer.valueOf(nodes).equals(counts.get("collecting"));
    }

    private String idleRequests(Path auditLog, int idleSeconds) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(15));
        Instant from = Instant.now();
        Thread.sleep(Duration.ofSeconds(idleSeconds));
        Instant to = Instant.now();
        List<AuditEvent> window = AuditLog.read(auditLog).stream()
                .filter(event -> !event.received().isBefore(from) && event.received().isBefore(to))
                .toList();
        StringBuilder report = new StringBuilder("idle requests in " + idleSeconds + " s of a steady cluster (audit log):");
        for (String user : List.of(PackagedOperator.USER, ControlPlane.CONTROLLER_MANAGER_USER, ControlPlane.SCHEDULER_USER)) {
            List<AuditEvent> mine = window.stream().filter(event -> user.equals(event.effectiveUser())).toList();
            Map<String, Long> byRequest = mine.stream().collect(Collectors.groupingBy(
                    event -> event.verb() + " " + event.resource() + (event.subresource() == null ? "" : "/" + event.subresource()),
                    TreeMap::new, Collectors.counting()));
            report.append("\n  ").append(user.equals(PackagedOperator.USER) ? "operator" : "anchor, " + user).append(": ")
                    .append(mine.size()).append(" requests, ").append(mine.stream().filter(AuditEvent::isWrite).count())
                    .append(" writes ").append(byRequest);
        }
        return report.toString();
    }

    /** The requests {@code user} made in [from, to) by verb and resource, each count divided by {@code per}. */
    private String requestsBy(String user, Instant from, Instant to, int per) {
        Map<String, Long> byRequest = AuditLog.read(auditLog).stream()
                .filter(event -> user.equals(event.effectiveUser()))
                .filter(event -> !event.received().isBefore(from) && event.received().isBefore(to))
                .collect(Collectors.groupingBy(event -> event.verb() + " " + event.resource()
                        + (event.subresource() == null ? "" : "/" + event.subresource()), TreeMap::new, Collectors.counting()));
        Map<String, Long> statusWritesByPolicy = AuditLog.read(auditLog).stream()
                .filter(event -> user.equals(event.effectiveUser()) && event.isWrite() && "status".equals(event.subresource()))
                .filter(event -> !event.received().isBefore(from) && event.received().isBefore(to))
                .collect(Collectors.groupingBy(AuditEvent::name, TreeMap::new, Collectors.counting()));
        Map<String, String> perApply = new TreeMap<>();
        byRequest.forEach((request, count) -> perApply.put(request, String.format("%.2f", (double) count / per)));
        return perApply + "; status writes: " + statusWritesByPolicy.values().stream().mapToLong(Long::longValue).sum()
                + " to " + statusWritesByPolicy.size() + " policies, most to one "
                + statusWritesByPolicy.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private void createPolicy(String name, Map<String, Object> nodeSelector) {
        GenericKubernetesResource policy = new GenericKubernetesResourceBuilder()
                .withApiVersion("scorch.dev/v1alpha1")
                .withKind("ProfilingPolicy")
                .withNewMetadata().withName(name).endMetadata()
                .build();
        policy.setAdditionalProperty("spec", Map.of(
                "nodes", Map.of("selector", nodeSelector),
                "export", Map.of("backends", List.of(Map.of(
                        "name", "parca",
                        "parca", Map.of("address", "parca.monitoring.svc:7070", "insecure", true))))));
        policies().resource(policy).create();
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> policies() {
        return admin.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy");
    }

    private DaemonSet daemonSetOf(String policy) {
        return admin.apps().daemonSets().inNamespace(PackagedOperator.NAMESPACE).list().getItems().stream()
                .filter(daemonSet -> daemonSet.getMetadata().getOwnerReferences().stream()
                        .anyMatch(owner -> "ProfilingPolicy".equals(owner.getKind()) && policy.equals(owner.getName())))
                .findFirst().orElse(null);
    }

    private List<Pod> collectorPods() {
        return admin.pods().inNamespace(PackagedOperator.NAMESPACE).list().getItems().stream()
                .filter(pod -> pod.getMetadata().getOwnerReferences().stream().anyMatch(o -> "DaemonSet".equals(o.getKind())))
                .toList();
    }

    private static long arrival(Map<String, CompletableFuture<Long>> seen, String owner) throws Exception {
        return seen.computeIfAbsent(owner, name -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
    }

    /** Completes with the System.nanoTime() at which {@code done} first held, polling every 50 ms. */
    private static CompletableFuture<Long> pollUntil(Supplier<Boolean> done) {
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

    private static void awaitFor(String what, Duration timeout, Supplier<Boolean> done) throws Exception {
        try {
            pollUntil(done).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out after " + timeout + " waiting for " + what, e);
        }
    }

    /**
     * Command-line settings: {@code --policies=100 --nodes=1000 --idle-seconds=60 --operator-jar=... --deploy=deploy
     * --operator-log=} (where to keep the operator's log; not kept when empty).
     */
    record Settings(int policies, int nodes, int idleSeconds, Path operatorJar, Path deploy, Path operatorLog) {

        static Settings parse(String[] args) {
            Map<String, String> values = new HashMap<>(Map.of(
                    "policies", "100",
                    "nodes", "1000",
                    "idle-seconds", "60",
                    "operator-jar", "operator/target/quarkus-app/quarkus-run.jar",
                    "deploy", "deploy",
                    "operator-log", ""));
            for (String arg : args) {
                String[] pair = arg.replaceFirst("^--", "").split("=", 2);
                if (pair.length != 2 || !values.containsKey(pair[0])) {
                    throw new IllegalArgumentException("unknown argument " + arg + "; known: " + values.keySet());
                }
                values.put(pair[0], pair[1]);
            }
            return new Settings(Integer.parseInt(values.get("policies")), Integer.parseInt(values.get("nodes")),
                    Integer.parseInt(values.get("idle-seconds")), Path.of(values.get("operator-jar")),
                    Path.of(values.get("deploy")), Path.of(values.get("operator-log")));
        }
    }
}
