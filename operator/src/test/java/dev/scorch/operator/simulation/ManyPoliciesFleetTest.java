package dev.scorch.operator.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.Await;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.FakeNode;
import dev.scorch.testenv.Kwok;
import dev.scorch.testenv.PodStatusSimulation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 4, issue 14's proof: 20 policies with overlapping node selectors on 1,000 kwok nodes run as
 * one collector DaemonSet, every policy's status counts exactly its own nodes, and a steady cluster
 * costs the operator no API writes (the API server's audit log). The controllers, scheduler and kwok
 * run the pods; the test writes what each collector would: its node condition and one condition per
 * policy it serves.
 */
class ManyPoliciesFleetTest {

    static final int NODES = Integer.getInteger("scorch.simulation.many-policy-nodes", 1000);
    private static final String NAMESPACE = SimulatedOperator.NAMESPACE;
    private static final Duration TIMEOUT = Duration.ofMinutes(6);
    /** The policy one collector reports as failing on the nodes of zone z1. */
    private static final String FAILING_POLICY = "zone-z1";

    private static ControlPlane controlPlane;
    private static KubernetesClient admin;
    private static Kwok kwok;
    private static SimulatedOperator operator;
    private static final Map<String, Map<String, String>> LABELS = new LinkedHashMap<>();
    /** Each policy's selector as YAML, and the same selection as a predicate on node labels. */
    private static final Map<String, String> SELECTORS = new LinkedHashMap<>();
    private static final Map<String, Predicate<Map<String, String>>> SELECTS = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        controlPlane = ControlPlane.start(ControlPlane.Options.withControllers().auditedBy(AuditLog.WRITES_POLICY));
        admin = controlPlane.adminClient();
        kwok = Kwok.start(controlPlane);
        List<FakeNode> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            FakeNode node = FakeNode.named("many-" + i).withLabel("zone", "z" + i % 4).withLabel("pool", "p" + i % 5);
            nodes.add(node);
            LABELS.put(node.name(), node.labels());
        }
        kwok.awaitReady(kwok.createNodes(nodes), TIMEOUT);
        definePolicies();
        operator = SimulatedOperator.start(controlPlane);
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
        if (kwok != null) {
            kwok.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    /** 20 overlapping selections: by zone, by pool, by both, by expressions, and every node. */
    private static void definePolicies() {
        for (int z = 0; z < 4; z++) {
            String zone = "z" + z;
            policy("zone-" + zone, "matchLabels: {zone: " + zone + "}", l -> l.get("zone").equals(zone));
        }
        for (int p = 0; p < 5; p++) {
            String pool = "p" + p;
            policy("pool-" + pool, "matchLabels: {pool: " + pool + "}", l -> l.get("pool").equals(pool));
        }
        for (int k = 0; k < 8; k++) {
            String zone = "z" + k % 4;
            String pool = "p" + k % 5;
            policy("team-" + k, "matchLabels: {zone: " + zone + ", pool: " + pool + "}",
                    l -> l.get("zone").equals(zone) && l.get("pool").equals(pool));
        }
        policy("west", "matchExpressions: [{key: zone, operator: In, values: [z0, z1]}]",
                l -> Set.of("z0", "z1").contains(l.get("zone")));
        policy("not-p0", "matchExpressions: [{key: pool, operator: NotIn, values: [p0]}]", l -> !l.get("pool").equals("p0"));
        policy("everywhere", "matchExpressions: [{key: zone, operator: Exists}]", l -> true);
    }

    private static void policy(String name, String selector, Predicate<Map<String, String>> selects) {
        SELECTORS.put(name, selector);
        SELECTS.put(name, selects);
    }

    private static Set<String> nodesOf(String policy) {
        return LABELS.entrySet().stream().filter(e -> SELECTS.get(policy).test(e.getValue())).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void twentyOverlappingPoliciesRunAsOneDaemonSetEachWithItsOwnStatusAndASteadyClusterCostsNoWrites() throws Exception {
        assertThat(SELECTORS).hasSize(20);
        for (Map.Entry<String, String> policy : SELECTORS.entrySet()) {
            admin.resource(Policies.parse(policy.getKey(), """
                    nodes: {selector: {%s}}
                    export: {backends: [{name: parca, parca: {address: 'parca.monitoring.svc:7070', insecure: true}}]}
                    """.formatted(policy.getValue()))).create();
        }

        Await.until(NODES + " running collector pods", TIMEOUT, () -> retryingWhenTheApiServerIsSlow(() -> {
            long running = collectorPods().stream().filter(pod -> "Running".equals(pod.getStatus().getPhase())).count();
            return running == NODES ? null : running + " running";
        }));
        assertThat(admin.apps().daemonSets().inNamespace(NAMESPACE).list().getItems())
                .extracting(ds -> ds.getMetadata().getName()).containsExactly("scorch-collector");
        assertThat(servedPolicies()).containsExactlyInAnyOrderElementsOf(SELECTORS.keySet());

        reportAsTheCollectorsWould();

        for (String policy : SELECTORS.keySet()) {
            int desired = nodesOf(policy).size();
            int failing = policy.equals(FAILING_POLICY) ? 1 : 0;
            awaitStatus(policy, desired + " desired, all ready, " + (desired - failing) + " collecting, " + failing + " failing",
                    s -> s.nodes().desired() == desired && s.nodes().ready() == desired
                            && s.nodes().collecting() == desired - failing && s.nodes().failing() == failing
                            && (failing == 0) == "True".equals(s.condition("Ready").status()));
        }
        ProfilingPolicyStatus failing = status(FAILING_POLICY);
        assertThat(failing.failingNodes()).singleElement().satisfies(node -> {
            assertThat(node.node()).isEqualTo("many-1");
            assertThat(node.reason()).isEqualTo("BackendUnreachable");
        });
        assertThat(status("west").failingNodes()).as("the same collector serves west on many-1, and west exports fine").isNull();
        System.out.printf("tier 4: %d policies on %d nodes: one DaemonSet, %d collector pods, node counts per policy %s%n",
                SELECTORS.size(), NODES, collectorPods().size(),
                SELECTORS.keySet().stream().map(p -> p + "=" + nodesOf(p).size()).toList());

        long before = operatorWrites();
        Thread.sleep(20_000);
        assertThat(operatorWrites()).as("operator writes while the cluster is steady").isEqualTo(before);
    }

    /**
     * Each collector's node condition and one condition per policy that selects its node; on many-1
     * the policy zone-z1's backend is unreachable.
     */
    private static void reportAsTheCollectorsWould() throws InterruptedException {
        PodStatusSimulation collectors = new PodStatusSimulation(admin);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try (ExecutorService writers = Executors.newFixedThreadPool(8)) {
            for (Pod pod : collectorPods()) {
                String node = pod.getSpec().getNodeName();
                List<PodCondition> conditions = new ArrayList<>();
                conditions.add(condition("scorch.dev/Collecting", true, "Collecting", "node " + node + " collecting", now));
                for (String policy : SELECTORS.keySet()) {
                    if (SELECTS.get(policy).test(LABELS.get(node))) {
                        boolean fails = policy.equals(FAILING_POLICY) && node.equals("many-1");
                        conditions.add(condition(policy + ".policy.scorch.dev/Collecting", !fails,
                                fails ? "BackendUnreachable" : "Collecting",
                                fails ? "node many-1: backend parca unreachable" : "node " + node + " exports to parca", now));
                    }
                }
                writers.submit(() -> collectors.setConditions(NAMESPACE, pod.getMetadata().getName(), conditions));
            }
            writers.shutdown();
            assertThat(writers.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
        }
    }

    private static PodCondition condition(String type, boolean status, String reason, String message, String time) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
                .withMessage(message).withLastProbeTime(time).withLastTransitionTime(time).build();
    }

    private static List<Pod> collectorPods() {
        return admin.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/component", "node-collector").list().getItems();
    }

    private static List<String> servedPolicies() {
        try {
            JsonNode config = new ObjectMapper().readTree(admin.configMaps().inNamespace(NAMESPACE).withName("scorch-collector")
                    .get().getData().get("collector.json"));
            List<String> names = new ArrayList<>();
            config.path("policies").forEach(section -> names.add(section.path("name").asText()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ProfilingPolicyStatus status(String policy) {
        ProfilingPolicy current = admin.resources(ProfilingPolicy.class).withName(policy).get();
        return current == null ? null : current.getStatus();
    }

    private static void awaitStatus(String policy, String what, Predicate<ProfilingPolicyStatus> done) {
        Await.until("policy " + policy + ": " + what, TIMEOUT, () -> retryingWhenTheApiServerIsSlow(() -> {
            ProfilingPolicyStatus status = status(policy);
            return status != null && status.nodes() != null && status.conditions() != null && done.test(status)
                    ? null : "status " + status;
        }));
    }

    /**
     * A poll that lists 1,000 pods can exceed the client's 10 s request timeout on a loaded machine;
     * that is a slow answer, not a wrong one, so the wait polls again.
     */
    private static String retryingWhenTheApiServerIsSlow(java.util.function.Supplier<String> poll) {
        try {
            return poll.get();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return "the API server did not answer in time: " + e.getMessage();
        }
    }

    /** Writes by the operator's ServiceAccount in the audit log (lease renewals aside). */
    private static long operatorWrites() {
        return AuditLog.writesBy(controlPlane.auditLog(), "system:serviceaccount:" + NAMESPACE + ":" + SimulatedOperator.SERVICE_ACCOUNT);
    }
}
