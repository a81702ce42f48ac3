package dev.scorch.collector.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.ConditionEvaluator;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.testenv.MovableClock;
import dev.scorch.collector.health.PodConditions;
import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: a node serving twenty policies writes their conditions and its own to its pod together,
 * on a real kube-apiserver with RBAC on, as the collector's ServiceAccount with exactly the rights
 * of deploy/collector-rbac.yaml, counted in the API server's audit log. The same ten simulated
 * minutes (15 s intervals, one policy failing, one stopped) are played against a second pod the
 * way the collector wrote before: one condition per patch.
 */
class PodConditionWritesTest {

    static final String SYSTEM = CollectorServiceAccount.NAMESPACE;
    static final String COLLECTOR_USER = "system:serviceaccount:" + SYSTEM + ":" + CollectorServiceAccount.NAME;
    static final Instant T0 = Instant.parse("2026-11-21T22:00:00Z");
    static final Duration STATUS_UPDATE = Duration.ofSeconds(120);
    static final int POLICIES = 20;
    static final String FAILING = CollectingCondition.policyType("policy-7");
    static final String STOPPED = CollectingCondition.policyType("policy-19");

    static ControlPlane controlPlane;
    static KubernetesClient admin;
    static ApiServer collectorApi;

    @BeforeAll
    static void auditedClusterWithCollectorRbac() throws Exception {
        controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly().auditedBy(AuditLog.policyForUsers(List.of(COLLECTOR_USER))));
        admin = controlPlane.adminClient();
        collectorApi = CollectorServiceAccount.create(controlPlane);
    }

    @Test
    void twentyPoliciesConditionsLandRightWithOnePatchPerChangeInsteadOfOnePerPolicy() throws Exception {
        String together = pod("scorch-collector-together-");
        String onePerType = pod("scorch-collector-one-per-type-");
        MovableClock clock = new MovableClock(T0);

        PodConditions batched = new PodConditions(new PodStatusPatcher(collectorApi, SYSTEM, together), clock, STATUS_UPDATE);
        Map<String, ConditionPublisher> evaluated = play(clock, type -> batched, batched::remove, List.of(batched));

        clock.set(T0);
        Map<String, PodConditions> separate = new LinkedHashMap<>();
        play(clock, type -> separate.computeIfAbsent(type, t -> new PodConditions(new PodStatusPatcher(collectorApi, SYSTEM, onePerType),
                clock, STATUS_UPDATE)), type -> separate.get(type).remove(type), separate.values());

        Map<String, Long> patches = patchesByPod();
        // Flushes at 0 s (Starting), 15 s (Collecting), 135 s (status update), 200 s (policy-7 fails),
        // 300 s (policy-19 stops), 420 s, 540 s and the final one: eight, each carrying every change.
        assertThat(patches.get(together)).isEqualTo(8);
        // One per condition and change, as before: 7 for the node and each of 18 steady policies
        // (0, 15, 135, 255, 375, 495, final), 4 for policy-7 (its export time stops at 195 s), 4 for
        // policy-19 and its removal.
        assertThat(patches.get(onePerType)).isEqualTo(19 * 7 + 4 + 5);
        assertThat(conditionsOf(together)).as("what the collector evaluated last, on the pod")
                .isEqualTo(expected(evaluated))
                .isEqualTo(conditionsOf(onePerType));
        assertThat(admin.pods().inNamespace(SYSTEM).withName(together).get().getStatus().getConditions())
                .as("the kubelet's condition survives the merges").anySatisfy(c -> assertThat(c.getType()).isEqualTo("PodScheduled"));
    }

    @Test
    void theCollectorsOnlyRequestsArePatchesOfItsOwnPodsStatus() throws Exception {
        String name = pod("scorch-collector-rights-");
        PodConditions conditions = new PodConditions(new PodStatusPatcher(collectorApi, SYSTEM, name), Clock.systemUTC(), STATUS_UPDATE);
        conditions.publisher(FAILING).update(new ConditionEvaluator.Verdict(CollectingReason.BackendUnreachable, "node node-a: x"), null);
        conditions.remove(STOPPED);

        conditions.flush();

        List<AuditEvent> requests = AuditLog.read(controlPlane.auditLog()).stream().filter(e -> name.equals(e.name())).toList();
        assertThat(requests).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo("patch");
            assertThat(e.resource()).isEqualTo("pods");
            assertThat(e.subresource()).isEqualTo("status");
            assertThat(e.namespace()).isEqualTo(SYSTEM);
            assertThat(e.code()).isEqualTo(200);
        });
    }

    /**
     * Ten minutes of a node's loop, a pass every 5 s: every condition Starting, then Collecting
     * from the first export at 15 s with an export every 15 s; policy-7's backend fails at 200 s,
     * policy-19 stops at 300 s; then one last pass 120 s after the loop, when every condition is due.
     *
     * @return the publishers still served, with what they evaluated last
     */
    static Map<String, ConditionPublisher> play(MovableClock clock, Function<String, PodConditions> podOf,
            java.util.function.Consumer<String> remove, Iterable<PodConditions> flushed) {
        Map<String, ConditionPublisher> served = new LinkedHashMap<>();
        served.put(CollectingCondition.TYPE, podOf.apply(CollectingCondition.TYPE).publisher(CollectingCondition.TYPE));
        for (int i = 0; i < POLICIES; i++) {
            String type = CollectingCondition.policyType("policy-" + i);
            served.put(type, podOf.apply(type).publisher(type));
        }
        for (int second = 0; second <= 600; second += 5) {
            clock.set(T0.plusSeconds(second));
            if (second == 300) {
                served.remove(STOPPED);
                remove.accept(STOPPED);
            }
            pass(clock, served, flushed);
        }
        clock.set(T0.plusSeconds(720));
        pass(clock, served, flushed);
        return served;
    }

    static void pass(MovableClock clock, Map<String, ConditionPublisher> served, Iterable<PodConditions> flushed) {
        long second = Duration.between(T0, clock.instant()).toSeconds();
        Instant lastExport = second < 15 ? null : T0.plusSeconds(second / 15 * 15);
        served.forEach((type, publisher) -> {
            if (lastExport == null) {
                publisher.update(new ConditionEvaluator.Verdict(CollectingReason.Starting, "node node-a: starting"), null);
            } else if (type.equals(FAILING) && second >= 200) {
                publisher.update(new ConditionEvaluator.Verdict(CollectingReason.BackendUnreachable,
                        "node node-a: backend parca has failed since " + T0.plusSeconds(200) + ": connection refused"), T0.plusSeconds(195));
            } else if (type.equals(CollectingCondition.TYPE)) {
                publisher.update(new ConditionEvaluator.Verdict(CollectingReason.Collecting,
                        "node node-a: serving " + (served.size() - 1) + " policies"), lastExport);
            } else {
                publisher.update(new ConditionEvaluator.Verdict(CollectingReason.Collecting, "node node-a: collecting"), lastExport);
            }
        });
        flushed.forEach(PodConditions::flush);
    }

    static String pod(String prefix) {
        String name = prefix + UUID.randomUUID().toString().substring(0, 8);
        NodePods.create(admin, SYSTEM, name, "node-a", NodePods.containerId(), null);
        return name;
    }

    /** Each pod's patches of its status by the collector, from the audit log. */
    static Map<String, Long> patchesByPod() {
        return AuditLog.read(controlPlane.auditLog()).stream()
                .filter(e -> COLLECTOR_USER.equals(e.effectiveUser()) && "patch".equals(e.verb()) && "status".equals(e.subresource()))
                .collect(Collectors.groupingBy(AuditEvent::name, Collectors.counting()));
    }

    /** The pod's Scorch conditions as {@code type -> status reason message probe transition}. */
    static Map<String, String> conditionsOf(String pod) {
        Map<String, String> conditions = new LinkedHashMap<>();
        for (PodCondition c : admin.pods().inNamespace(SYSTEM).withName(pod).get().getStatus().getConditions()) {
            if (c.getType().endsWith("scorch.dev/Collecting")) {
                conditions.put(c.getType(), String.join(" ", c.getStatus(), c.getReason(), c.getMessage(),
                        String.valueOf(c.getLastProbeTime()), c.getLastTransitionTime()));
            }
        }
        return conditions;
    }

    static Map<String, String> expected(Map<String, ConditionPublisher> evaluated) {
        Map<String, String> conditions = new LinkedHashMap<>();
        evaluated.forEach((type, publisher) -> {
            CollectingCondition c = publisher.current();
            conditions.put(type, String.join(" ", c.status() ? "True" : "False", c.reason().name(), c.message(),
                    String.valueOf(c.lastProbeTime() == null ? null : c.lastProbeTime().truncatedTo(ChronoUnit.SECONDS)),
                    c.lastTransitionTime().truncatedTo(ChronoUnit.SECONDS).toString()));
        });
        return conditions;
    }
}
