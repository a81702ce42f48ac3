package dev.scorch.bench.operator;

import dev.scorch.testenv.Kwok;
import dev.scorch.testenv.PodStatusSimulation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Status at scale: kwok nodes run a policy's collector pods; every pod's
 * {@code scorch.dev/Collecting} condition turns True (written as collectors would); the time until
 * the policy status says all ready and collecting with Ready=True, next to the time until the
 * DaemonSet's own status counts them ready (the anchor, kube-controller-manager).
 */
final class StatusAtScale {

    private static final String COLLECTING = "scorch.dev/Collecting";
    private static final String POLICY = "fleet";

    private final KubernetesClient admin;
    private final BenchPolicies policies;

    StatusAtScale(KubernetesClient admin, BenchPolicies policies) {
        this.admin = admin;
        this.policies = policies;
    }

    String run(Kwok kwok, int nodes) throws Exception {
        Instant nodesStart = Instant.now();
        kwok.awaitReady(kwok.createNodes("bench-node", nodes), Duration.ofMinutes(10));
        Duration nodesReady = Duration.between(nodesStart, Instant.now());

        long applied = System.nanoTime();
        policies.create(POLICY, Map.of("matchLabels", Map.of(Kwok.MANAGED_LABEL, "true")));
        OperatorBenchmark.awaitFor(nodes + " collector pods Running", Duration.ofMinutes(10), () -> collectorPods().stream()
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

        CompletableFuture<Long> daemonSetCounts = OperatorBenchmark.pollUntil(() -> {
            DaemonSet daemonSet = daemonSetOf(POLICY);
            return daemonSet != null && daemonSet.getStatus() != null && daemonSet.getStatus().getNumberReady() == nodes;
        });
        CompletableFuture<Long> policyCounts = OperatorBenchmark.pollUntil(() -> reports(policies.get(POLICY), nodes));
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
    private static boolean reports(GenericKubernetesResource policy, int nodes) {
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
}
