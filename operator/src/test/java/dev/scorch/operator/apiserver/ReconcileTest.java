package dev.scorch.operator.apiserver;

import static dev.scorch.operator.apiserver.StandIns.collecting;
import static dev.scorch.operator.apiserver.StandIns.ready;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: the reconciler on a real API server (RBAC on, no controllers), running as the operator's
 * own ServiceAccount with exactly deploy/'s RBAC. DaemonSet and pod status, Nodes and collector pods
 * are written by the test, standing in for the controllers and kubelets tier 4 brings. Every policy
 * of every test shares the one collector DaemonSet, as in a cluster.
 */
class ReconcileTest {
    private static final String NS = OperatorUnderTest.NAMESPACE;
    private static final String PARCA = OperatorUnderTest.PARCA;

    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();

    @Test
    void aPolicyIsServedByTheOneCollectorDaemonSetWhichItOwnsWithoutControllingIt() throws Exception {
        ProfilingPolicy policy = operator.create("creates", PARCA);

        Eventually.assertThat(() -> assertThat(operator.served("creates")).isTrue());
        assertThat(operator.section("creates").at("/export/backends/0/parca/address").asText()).isEqualTo("parca.monitoring:7070");
        Eventually.assertThat(() -> {
            for (var owned : List.of(operator.daemonSet(), operator.configMap())) {
                assertThat(owned.getMetadata().getOwnerReferences()).filteredOn(o -> o.getUid().equals(policy.getMetadata().getUid()))
                        .singleElement().satisfies(o -> {
                            assertThat(o.getKind()).isEqualTo("ProfilingPolicy");
                            assertThat(o.getController()).isFalse();
                        });
            }
        });
        DaemonSet ds = operator.daemonSet();
        assertThat(ds.getSpec().getTemplate().getSpec().getHostPID()).isTrue();
        assertThat(ds.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("scorch-collector");
        assertThat(operator.admin().apps().daemonSets().inNamespace(NS).list().getItems()).extracting(d -> d.getMetadata().getName())
                .containsExactly("scorch-collector");
        Eventually.assertThat(() -> {
            ProfilingPolicyStatus status = operator.status("creates");
            assertThat(status.observedGeneration()).isEqualTo(1L);
            assertThat(status.daemonSet()).isEqualTo("scorch-collector");
        });
    }

    @Test
    void aSpecChangeRewritesThePolicysSectionAndLeavesThePodTemplateAlone() throws Exception {
        operator.create("rolls", PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("rolls")).isTrue());
        Eventually.assertThat(() -> assertThat(operator.status("rolls").observedGeneration()).isEqualTo(1L));
        String template = Serialization.asJson(operator.daemonSet().getSpec().getTemplate());

        operator.edit("rolls", """
                sampling: {frequencyHz: 99}
                export:
                  backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
                """);

        Eventually.assertThat(() -> {
            assertThat(operator.section("rolls").at("/sampling/frequencyHz").asInt()).isEqualTo(99);
            assertThat(operator.status("rolls").observedGeneration()).isEqualTo(2L);
        });
        assertThat(Serialization.asJson(operator.daemonSet().getSpec().getTemplate())).as("no collector restarts").isEqualTo(template);
    }

    @Test
    void suspendTakesThePolicyOutOfTheCollectorsAndKeepsIt() throws Exception {
        operator.create("pauses", PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("pauses")).isTrue());

        operator.edit("pauses", "suspend: true\n" + PARCA);

        Eventually.assertThat(() -> {
            assertThat(operator.served("pauses")).isFalse();
            assertThat(operator.status("pauses").condition("Ready").reason()).isEqualTo("Suspended");
        });
        assertThat(operator.policy("pauses")).isNotNull();

        operator.edit("pauses", PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("pauses")).isTrue());
    }

    @Test
    void deletingAPolicyTakesItOutOfTheSharedObjects() throws Exception {
        ProfilingPolicy policy = operator.create("goes-away", PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("goes-away")).isTrue());

        operator.admin().resource(policy).delete();

        Eventually.assertThat(() -> {
            assertThat(operator.served("goes-away")).isFalse();
            assertThat(operator.daemonSet().getMetadata().getOwnerReferences()).extracting(o -> o.getName()).doesNotContain("goes-away");
        });
    }

    @Test
    void perPolicyObjectsOfEarlierVersionsAreDeleted() {
        Map<String, String> oldLabels = Map.of("app.kubernetes.io/name", "scorch-collector",
                "app.kubernetes.io/instance", "legacy", "app.kubernetes.io/managed-by", "scorch-operator");
        operator.admin().configMaps().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("scorch-legacy").withLabels(oldLabels).endMetadata()
                .addToData("collector.json", "{}").build()).create();
        operator.admin().apps().daemonSets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata().withName("scorch-legacy").withLabels(oldLabels).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(oldLabels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(oldLabels).endMetadata()
                .withNewSpec().addNewContainer().withName("collector").withImage("scorch-collector:old").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        operator.create("upgraded", PARCA);

        Eventually.assertThat(() -> {
            assertThat(operator.admin().apps().daemonSets().inNamespace(NS).withName("scorch-legacy").get()).isNull();
            assertThat(operator.admin().configMaps().inNamespace(NS).withName("scorch-legacy").get()).isNull();
        });
        assertThat(operator.daemonSet()).isNotNull();
    }

    @Test
    void kubectlGetSaysWhyAndASuspendedPolicyReadsAsSuspended() throws Exception {
        operator.create("paused", "suspend: true\n" + PARCA);
        Eventually.assertThat(() -> assertThat(operator.status("paused").condition("Ready").reason()).isEqualTo("Suspended"));

        List<String> wide = InstallCommandsTest.kubectl(operator.controlPlane(), "get", "pp", "paused", "-o", "wide").lines().toList();

        assertThat(wide.getFirst()).matches(
                "NAME\\s+DESIRED\\s+READY\\s+COLLECTING\\s+STATUS\\s+LAST EXPORT\\s+AGE\\s+FAILING\\s+SUSPENDED\\s+MESSAGE");
        // LAST EXPORT is blank: nothing runs, so nothing is exported.
        assertThat(wide.get(1)).matches(
                "paused\\s+0\\s+0\\s+0\\s+Suspended\\s+\\S+\\s+0\\s+true\\s+spec.suspend is true: no collectors run");
        assertThat(operator.admin().v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> e.getInvolvedObject().getName().equals("paused"))
                .extracting(Event::getType).doesNotContain("Warning");
    }

    @Test
    void kubectlExplainDescribesTheFieldsOfEmbeddedKubernetesTypes() throws Exception {
        String explained = InstallCommandsTest.kubectl(operator.controlPlane(), "explain", "profilingpolicies.spec.nodes.tolerations.effect");

        assertThat(explained).contains("FIELD: effect <string>", "DESCRIPTION:", "taint effect");
    }

    @Test
    void statusCountsTheCollectorsOnTheNodesThePolicySelectsByItsOwnCondition() {
        node("follows-1", "follows");
        node("follows-2", "follows");
        node("follows-elsewhere", "other");
        operator.create("follows", selecting("follows") + PARCA);
        Eventually.assertThat(() -> assertThat(operator.daemonSet()).isNotNull());
        Instant exported = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Pod n1 = StandIns.collectorPod(operator.admin(), "follows-1");
        Pod n2 = StandIns.collectorPod(operator.admin(), "follows-2");
        Pod elsewhere = StandIns.collectorPod(operator.admin(), "follows-elsewhere");
        setPodConditions(n1, collecting("follows", "True", "Collecting", "node follows-1: collecting", exported), ready("True"));
        setPodConditions(n2, collecting("follows", "True", "Collecting", "node follows-2: collecting", exported.minusSeconds(5)),
                ready("True"));
        setPodConditions(elsewhere, ready("False"));
        StandIns.daemonSetRolledOut(operator.admin());

        Eventually.assertThat(() -> {
            ProfilingPolicyStatus status = operator.status("follows");
            assertThat(status.nodes().desired()).isEqualTo(2);
            assertThat(status.nodes().ready()).isEqualTo(2);
            assertThat(status.nodes().collecting()).isEqualTo(2);
            assertThat(status.condition("Ready").status()).isEqualTo("True");
            assertThat(status.lastExportTime()).isEqualTo(exported.toString());
        });

        setPodConditions(n2, collecting("follows", "False", "BackendUnreachable", "node follows-2: parca: connection refused",
                exported), ready("True"));

        Eventually.assertThat(() -> {
            ProfilingPolicyStatus status = operator.status("follows");
            assertThat(status.condition("Ready").reason()).isEqualTo("NodesFailing");
            assertThat(status.condition("Degraded").status()).isEqualTo("True");
            assertThat(status.failingNodes()).singleElement().satisfies(f -> {
                assertThat(f.node()).isEqualTo("follows-2");
                assertThat(f.reason()).isEqualTo("BackendUnreachable");
                assertThat(f.message()).isEqualTo("node follows-2: parca: connection refused");
            });
        });
        Eventually.assertThat(() -> assertThat(operator.admin().v1().events().inNamespace("default").list().getItems())
                .filteredOn(e -> e.getInvolvedObject().getName().equals("follows"))
                .extracting(Event::getReason).contains("NodesFailing"));
    }

    @Test
    void aMissingSecretIsDegradedUntilItExistsThenItsKeyIsCopiedForTheCollectors() throws Exception {
        operator.create("needs-token", bearerTokenFrom("cloud-token"));

        Eventually.assertThat(() -> {
            ProfilingPolicyStatus status = operator.status("needs-token");
            assertThat(status.condition("Degraded").reason()).isEqualTo("SecretMissing");
            assertThat(status.condition("Degraded").message()).contains(
                    "spec.export.backends[cloud].parca.bearerTokenSecretRef names Secret scorch-system/cloud-token");
        });
        assertThat(operator.served("needs-token")).isFalse();

        token("cloud-token", "t0ken");

        Eventually.assertThat(() -> {
            assertThat(operator.served("needs-token")).isTrue();
            assertThat(operator.status("needs-token").condition("Degraded").status()).isEqualTo("False");
            assertThat(credential("needs-token.cloud.token")).isEqualTo("t0ken");
        });
        assertThat(operator.section("needs-token").at("/export/backends/0/parca/bearerTokenFile").asText())
                .isEqualTo("/etc/scorch/secrets/needs-token.cloud.token");
    }

    @Test
    void aRotatedSecretReachesTheCollectorsWithoutRestartingThem() throws Exception {
        token("rotating-token", "t0ken");
        operator.create("rotates", bearerTokenFrom("rotating-token"));
        Eventually.assertThat(() -> assertThat(credential("rotates.cloud.token")).isEqualTo("t0ken"));
        String template = Serialization.asJson(operator.daemonSet().getSpec().getTemplate());

        token("rotating-token", "r0tated");

        Eventually.assertThat(() -> assertThat(credential("rotates.cloud.token")).isEqualTo("r0tated"));
        assertThat(Serialization.asJson(operator.daemonSet().getSpec().getTemplate())).as("no collector restarts").isEqualTo(template);
    }

    private static String bearerTokenFrom(String secret) {
        return """
                export:
                  backends:
                    - name: cloud
                      parca: {address: 'grpc.example.com:443', bearerTokenSecretRef: {name: %s, key: token}}
                """.formatted(secret);
    }

    /** Creates or replaces the Secret {@code name} in the operator's namespace with one key, token. */
    private static void token(String name, String value) {
        operator.admin().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name)
                .endMetadata().addToStringData("token", value).build()).createOr(NonDeletingOperation::update);
    }

    private static String credential(String file) {
        io.fabric8.kubernetes.api.model.Secret credentials = operator.admin().secrets().inNamespace(NS).withName("scorch-collector-credentials").get();
        String value = credentials == null || credentials.getData() == null ? null : credentials.getData().get(file);
        return value == null ? null : new String(java.util.Base64.getDecoder().decode(value), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aSteadyClusterCostsTheOperatorNoWrites() throws Exception {
        node("steady-1", "steady");
        operator.create("steady", selecting("steady") + PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("steady")).isTrue());
        Instant exported = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Pod pod = StandIns.collectorPod(operator.admin(), "steady-1");
        setPodConditions(pod, collecting("steady", "True", "Collecting", "node steady-1: collecting", exported), ready("True"));
        StandIns.daemonSetRolledOut(operator.admin());
        Eventually.assertThat(() -> assertThat(operator.status("steady").condition("Ready").status()).isEqualTo("True"));
        // The rollout reconciles every policy the API server holds (earlier tests' too): let their writes end.
        long before = settledWrites();
        assertThat(before).as("the audit log records the operator's writes (creating the objects)").isPositive();

        // A restart reconciles every policy from scratch: empty caches, a full list of everything.
        Instant restarted = Instant.now();
        int beforeRestart = operator.reconciles("steady");
        operator.restart();
        Eventually.assertThat(() -> assertThat(operator.reconciles("steady")).as("reconciles after the restart")
                .isGreaterThan(beforeRestart));
        // A collector heartbeat (a newer probe time, within the minute lastExportTime moves by) and a
        // policy annotation: events that reach the reconciler and change nothing it writes.
        int afterRestart = operator.reconciles("steady");
        setPodConditions(pod, collecting("steady", "True", "Collecting", "node steady-1: collecting", exported.plusSeconds(20)),
                ready("True"));
        Eventually.assertThat(() -> assertThat(operator.reconciles("steady")).as("reconciles after a heartbeat")
                .isGreaterThan(afterRestart));
        operator.admin().resources(ProfilingPolicy.class).withName("steady").edit(p -> {
            p.getMetadata().setAnnotations(Map.of("touched", "yes"));
            return p;
        });
        Thread.sleep(3000);

        assertThat(operator.writes()).as("writes by the operator after a restart and reconciles that change nothing: %s",
                        operator.writesSince(restarted).stream().filter(e -> !"leases".equals(e.resource()))
                                .map(e -> e.verb() + " " + e.resource() + "/" + e.subresource() + " " + e.name()).toList())
                .isEqualTo(before);
    }

    /** The operator's writes once 3 s pass without one (at most a minute): what it had to do is done. */
    private static long settledWrites() throws InterruptedException {
        long deadline = System.nanoTime() + Eventually.TIMEOUT.toNanos();
        long last = -1;
        long now = operator.writes();
        while (now != last && System.nanoTime() - deadline < 0) {
            last = now;
            Thread.sleep(3000);
            now = operator.writes();
        }
        return now;
    }

    /** A Node of the test, labelled {@code test=<group>} so a policy can select it. */
    private static void node(String name, String group) {
        StandIns.node(operator.admin(), name, Map.of("test", group), List.of());
    }

    private static String selecting(String group) {
        return "nodes: {selector: {matchLabels: {test: " + group + "}}}\n";
    }

    private static void setPodConditions(Pod pod, PodCondition... conditions) {
        StandIns.setPodConditions(operator.admin(), pod.getMetadata().getName(), conditions);
    }
}
