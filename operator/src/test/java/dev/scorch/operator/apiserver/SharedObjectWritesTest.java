package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: what applying or editing one policy costs the operator while other policies share the
 * collector's DaemonSet and ConfigMap, counted on a real API server: the operator's writes from its
 * audit log, the reconciles of each policy from the operator itself.
 */
class SharedObjectWritesTest {
    private static final String NS = OperatorUnderTest.NAMESPACE;
    private static final String OPERATOR = "system:serviceaccount:" + NS + ":" + OperatorUnderTest.SERVICE_ACCOUNT;
    private static final String PARCA = """
            export:
              backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
            """;
    private static ControlPlane controlPlane;
    private static KubernetesClient admin;
    private static OperatorUnderTest operator;

    @BeforeAll
    static void startOperator() {
        controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly().auditedBy(AuditLog.WRITES_POLICY));
        admin = controlPlane.adminClient();
        operator = OperatorUnderTest.start(controlPlane);
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void policiesAppliedTogetherAreEachAddedAndNeverTakenOutOfTheSharedDaemonSet() throws Exception {
        List<String> names = IntStream.range(0, 8).mapToObj(i -> "together-" + i).toList();
        List<Set<String>> ownersSeen = new CopyOnWriteArrayList<>();
        Instant from = Instant.now();
        try (Watch watch = admin.apps().daemonSets().inNamespace(NS).withName("scorch-collector").watch(new Watcher<>() {
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
                appliers.submit(() -> admin.resource(Policies.parse(name, PARCA)).create());
            }
            appliers.shutdown();
            Eventually.assertThat(() -> assertThat(ownersSeen).isNotEmpty().last().isEqualTo(Set.copyOf(names)));
        }

        for (int i = 1; i < ownersSeen.size(); i++) {
            assertThat(ownersSeen.get(i)).as("owners after DaemonSet event %d of %s", i, ownersSeen)
                    .containsAll(ownersSeen.get(i - 1));
        }
        assertThat(names).allSatisfy(name -> assertThat(served(name)).as("%s in collector.json", name).isTrue());
        assertThat(operatorWrites(from, "daemonsets", null)).as("DaemonSet writes: each adds at least one policy")
                .hasSizeLessThanOrEqualTo(names.size());
        names.forEach(name -> admin.resources(ProfilingPolicy.class).withName(name).delete());
    }

    @Test
    void editingOnePolicyWritesItsSectionOnceAndNeitherReconcilesNorWritesTheOthers() throws Exception {
        List<String> others = List.of("quiet-1", "quiet-2", "quiet-3", "quiet-4");
        for (String name : others) {
            admin.resource(Policies.parse(name, PARCA)).create();
        }
        admin.resource(Policies.parse("edited", PARCA)).create();
        Eventually.assertThat(() -> {
            for (String name : concat(others, "edited")) {
                ProfilingPolicy policy = admin.resources(ProfilingPolicy.class).withName(name).get();
                assertThat(policy.getStatus()).as("status of %s", name).isNotNull();
                assertThat(policy.getStatus().observedGeneration()).isEqualTo(1L);
                assertThat(served(name)).isTrue();
            }
        });
        // Let the echoes of the writes that served them arrive.
        Thread.sleep(2000);
        Map<String, Integer> reconcilesBefore = others.stream().collect(Collectors.toMap(n -> n, operator::reconciles));
        Instant from = Instant.now();

        admin.resources(ProfilingPolicy.class).withName("edited").edit(p -> Policies.parse("edited",
                "sampling: {frequencyHz: 99}\n" + PARCA));

        Eventually.assertThat(() -> {
            assertThat(section("edited").at("/sampling/frequencyHz").asInt()).isEqualTo(99);
            assertThat(admin.resources(ProfilingPolicy.class).withName("edited").get().getStatus().observedGeneration())
                    .isEqualTo(2L);
        });
        Thread.sleep(3000);

        assertThat(operatorWrites(from, "configmaps", null)).as("collector.json written once").hasSize(1);
        assertThat(operatorWrites(from, "daemonsets", null)).as("the DaemonSet is left alone").isEmpty();
        assertThat(operatorWrites(from, "profilingpolicies", "status")).extracting(AuditEvent::name)
                .as("status writes").containsOnly("edited");
        assertThat(others.stream().collect(Collectors.toMap(n -> n, operator::reconciles)))
                .as("reconciles of the policies nobody edited").isEqualTo(reconcilesBefore);
        concat(others, "edited").forEach(name -> admin.resources(ProfilingPolicy.class).withName(name).delete());
    }

    private static List<String> concat(List<String> names, String name) {
        List<String> all = new ArrayList<>(names);
        all.add(name);
        return all;
    }

    /** The operator's writes since {@code from} to {@code resource} (and {@code subresource}, when given). */
    private static List<AuditEvent> operatorWrites(Instant from, String resource, String subresource) {
        return AuditLog.read(controlPlane.auditLog()).stream()
                .filter(event -> OPERATOR.equals(event.effectiveUser()) && event.isWrite())
                .filter(event -> !event.received().isBefore(from))
                .filter(event -> resource.equals(event.resource()) && java.util.Objects.equals(subresource, event.subresource()))
                .toList();
    }

    private static boolean served(String policy) {
        ConfigMap config = admin.configMaps().inNamespace(NS).withName("scorch-collector").get();
        if (config == null) {
            return false;
        }
        for (JsonNode section : collectorJson(config).path("policies")) {
            if (section.path("name").asText().equals(policy)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode section(String policy) {
        for (JsonNode section : collectorJson(admin.configMaps().inNamespace(NS).withName("scorch-collector").get())
                .path("policies")) {
            if (section.path("name").asText().equals(policy)) {
                return section;
            }
        }
        throw new AssertionError("no section " + policy);
    }

    private static JsonNode collectorJson(ConfigMap config) {
        try {
            return new ObjectMapper().readTree(config.getData().get("collector.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
