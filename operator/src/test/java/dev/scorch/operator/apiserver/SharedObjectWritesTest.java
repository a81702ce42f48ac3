package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.testenv.AuditEvent;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: what applying or editing one policy costs the operator while other policies share the
 * collector's DaemonSet and ConfigMap, counted on a real API server: the operator's writes from its
 * audit log, the reconciles of each policy from the operator itself.
 */
class SharedObjectWritesTest {
    private static final String NS = OperatorUnderTest.NAMESPACE;
    private static final String PARCA = OperatorUnderTest.PARCA;

    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();

    @Test
    void policiesAppliedTogetherAreEachAddedAndNeverTakenOutOfTheSharedDaemonSet() throws Exception {
        List<String> names = IntStream.range(0, 8).mapToObj(i -> "together-" + i).toList();
        List<Set<String>> ownersSeen = new CopyOnWriteArrayList<>();
        Instant from = Instant.now();
        try (Watch watch = operator.admin().apps().daemonSets().inNamespace(NS).withName("scorch-collector").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, DaemonSet daemonSet) {
                ownersSeen.add(daemonSet.getMetadata().getOwnerReferences().stream().map(OwnerReference::getName)
                        .filter(names::contains).collect(Collectors.toSet()));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        }); ExecutorService appliers = Executors.newFixedThreadPool(names.size())) {
            for (String name : names) {
                appliers.submit(() -> operator.create(name, PARCA));
            }
            appliers.shutdown();
            Eventually.assertThat(() -> assertThat(ownersSeen).isNotEmpty().last().isEqualTo(Set.copyOf(names)));
        }

        for (int i = 1; i < ownersSeen.size(); i++) {
            assertThat(ownersSeen.get(i)).as("owners after DaemonSet event %d of %s", i, ownersSeen)
                    .containsAll(ownersSeen.get(i - 1));
        }
        assertThat(names).allSatisfy(name -> assertThat(operator.served(name)).as("%s in collector.json", name).isTrue());
        assertThat(operator.writesSince(from, "daemonsets", null)).as("DaemonSet writes: each adds at least one policy")
                .hasSizeLessThanOrEqualTo(names.size());
        names.forEach(operator::delete);
    }

    @Test
    void editingOnePolicyWritesItsSectionOnceAndNeitherReconcilesNorWritesTheOthers() throws Exception {
        List<String> others = List.of("quiet-1", "quiet-2", "quiet-3", "quiet-4");
        List<String> all = Stream.concat(others.stream(), Stream.of("edited")).toList();
        all.forEach(name -> operator.create(name, PARCA));
        Eventually.assertThat(() -> {
            for (String name : all) {
                assertThat(operator.status(name).observedGeneration()).isEqualTo(1L);
                assertThat(operator.served(name)).isTrue();
            }
        });
        // Let the echoes of the writes that served them arrive.
        Thread.sleep(2000);
        Map<String, Integer> reconcilesBefore = others.stream().collect(Collectors.toMap(n -> n, operator::reconciles));
        Instant from = Instant.now();

        operator.edit("edited", "sampling: {frequencyHz: 99}\n" + PARCA);

        Eventually.assertThat(() -> {
            assertThat(operator.section("edited").at("/sampling/frequencyHz").asInt()).isEqualTo(99);
            assertThat(operator.status("edited").observedGeneration()).isEqualTo(2L);
        });
        Thread.sleep(3000);

        assertThat(operator.writesSince(from, "configmaps", null)).as("collector.json written once").hasSize(1);
        assertThat(operator.writesSince(from, "daemonsets", null)).as("the DaemonSet is left alone").isEmpty();
        assertThat(operator.writesSince(from, "profilingpolicies", "status")).extracting(AuditEvent::name)
                .as("status writes").containsOnly("edited");
        assertThat(others.stream().collect(Collectors.toMap(n -> n, operator::reconciles)))
                .as("reconciles of the policies nobody edited").isEqualTo(reconcilesBefore);
        all.forEach(operator::delete);
    }

    @Test
    void everyStatusWriteChangesTheStatusThoughReconcilesFollowItBeforeItsEchoArrives() throws Exception {
        StandIns.node(operator.admin(), "raced-node", Map.of("test", "raced"), List.of());
        List<String> names = IntStream.range(0, 4).mapToObj(i -> "raced-" + i).toList();
        Map<String, List<ProfilingPolicyStatus>> statuses = new ConcurrentHashMap<>();
        Instant from = Instant.now();
        try (Watch watch = operator.admin().resources(ProfilingPolicy.class).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ProfilingPolicy policy) {
                List<ProfilingPolicyStatus> seen = statuses.computeIfAbsent(policy.getMetadata().getName(),
                        name -> new CopyOnWriteArrayList<>());
                if (policy.getStatus() != null && (seen.isEmpty() || !seen.getLast().equals(policy.getStatus()))) {
                    seen.add(policy.getStatus());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            names.forEach(name -> operator.create(name, "nodes: {selector: {matchLabels: {test: raced}}}\n" + PARCA));
            // The collector pod's readiness flips as fast as the API server takes it: each flip changes
            // the policies' Ready condition, and each status write is followed by reconciles of the
            // events that came meanwhile, some of them before the write's own event.
            try (CollectorPodChurn churn = new CollectorPodChurn(operator.admin(), "raced-node")) {
                Eventually.assertThat(() -> assertThat(names).allSatisfy(name -> assertThat(statuses.get(name))
                        .as("statuses of %s", name).hasSizeGreaterThan(30)));
            }
            Thread.sleep(2000);
        }

        List<AuditEvent> writes = operator.writesSince(from, "profilingpolicies", "status");
        assertThat(names).allSatisfy(name -> assertThat(writes).filteredOn(e -> e.name().equals(name))
                .as("status writes of %s, against the %d changes of status they made", name, statuses.get(name).size())
                .hasSize(statuses.get(name).size()));
        names.forEach(operator::delete);
    }

    @Test
    void aHandEditedDaemonSetIsRestoredAndThenLeftAlone() throws Exception {
        operator.create("hand-edited", """
                nodes:
                  tolerations: [{key: dedicated, operator: Equal, value: profiling, effect: NoSchedule}]
                """ + PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("hand-edited")).isTrue());
        DaemonSet applied = operator.daemonSet();
        String image = applied.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();

        // What `kubectl edit` does by hand: another image, the toleration gone.
        operator.admin().apps().daemonSets().inNamespace(NS).withName("scorch-collector").edit(ds -> {
            ds.getSpec().getTemplate().getSpec().getContainers().getFirst().setImage("example.invalid/not-scorch:1");
            ds.getSpec().getTemplate().getSpec().setTolerations(List.of());
            return ds;
        });

        Eventually.assertThat(() -> {
            DaemonSet restored = operator.daemonSet();
            assertThat(restored.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()).isEqualTo(image);
            assertThat(restored.getSpec().getTemplate().getSpec().getTolerations())
                    .extracting(t -> t.getKey()).contains("dedicated");
        });
        long afterRestore = operator.writes();
        Thread.sleep(3000);
        assertThat(operator.writes()).as("writes by the operator once the DaemonSet is restored").isEqualTo(afterRestore);
    }

    @Test
    void anEditBesideTheOperatorsFieldsCostsTheOperatorNoWrites() throws Exception {
        operator.create("annotated", PARCA);
        Eventually.assertThat(() -> assertThat(operator.status("annotated").daemonSet()).isEqualTo("scorch-collector"));
        Thread.sleep(2000);
        long before = operator.writes();

        operator.admin().apps().daemonSets().inNamespace(NS).withName("scorch-collector").edit(ds -> {
            Map<String, String> annotations = new HashMap<>(
                    ds.getMetadata().getAnnotations() == null ? Map.of() : ds.getMetadata().getAnnotations());
            annotations.put("team.example/owner", "observability");
            ds.getMetadata().setAnnotations(annotations);
            return ds;
        });
        Thread.sleep(3000);

        assertThat(operator.writes()).as("writes by the operator after someone annotated its DaemonSet").isEqualTo(before);
        assertThat(operator.daemonSet().getMetadata().getAnnotations()).containsEntry("team.example/owner", "observability");
    }
}
