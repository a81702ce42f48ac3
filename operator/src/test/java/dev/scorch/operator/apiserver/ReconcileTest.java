package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
        Pod n1 = collectorPod("follows-1");
        Pod n2 = collectorPod("follows-2");
        Pod elsewhere = collectorPod("follows-elsewhere");
        setPodConditions(n1, collecting("follows", "True", "Collecting", "node follows-1: collecting", exported), ready("True"));
        setPodConditions(n2, collecting("follows", "True", "Collecting", "node follows-2: collecting", exported.minusSeconds(5)),
                ready("True"));
        setPodConditions(elsewhere, ready("False"));
        writeDaemonSetStatus();

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
        Pod pod = collectorPod("steady-1");
        setPodConditions(pod, collecting("steady", "True", "Collecting", "node steady-1: collecting", exported), ready("True"));
        writeDaemonSetStatus();
        Eventually.assertThat(() -> assertThat(operator.status("steady").condition("Ready").status()).isEqualTo("True"));
        Thread.sleep(2000);
        long before = operator.writes();
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

    /**
     * A cluster guardrail the CRD cannot know: an admission policy that keeps DaemonSets off
     * control-plane nodes. The API server accepts the policy and refuses its collectors.
     */
    private static final String NO_CONTROL_PLANE_DAEMONSETS = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: no-daemonsets-on-control-plane}
            spec:
              failurePolicy: Fail
              matchConstraints:
                resourceRules:
                  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [daemonsets]}
              validations:
                - expression: >-
                    !has(object.spec.template.spec.tolerations) || !object.spec.template.spec.tolerations.exists(t,
                    has(t.key) && t.key == 'node-role.kubernetes.io/control-plane')
                  message: this cluster keeps DaemonSets off control-plane nodes
                  reason: Invalid
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: no-daemonsets-on-control-plane}
            spec:
              policyName: no-daemonsets-on-control-plane
              validationActions: [Deny]
            """;

    @Test
    void aPolicyRefusedByTheClusterIsServedWithoutAnEditOnceTheClusterStopsRefusingIt() {
        operator.admin().load(new java.io.ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).create();
        try {
            awaitDaemonSetsTheGuardrailRefuses();
            operator.create("refused-for-now", """
                    nodes:
                      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
                    """ + PARCA);
            Eventually.assertThat(() -> assertThat(operator.status("refused-for-now").condition("Degraded").reason()).isEqualTo("InvalidSpec"));
            assertThat(operator.served("refused-for-now")).isFalse();
        } finally {
            operator.admin().load(new java.io.ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).delete();
        }

        Eventually.assertThat(() -> {
            assertThat(operator.served("refused-for-now")).as("served once the guardrail is gone, with no edit of the policy").isTrue();
            assertThat(operator.daemonSet().getSpec().getTemplate().getSpec().getTolerations()).extracting(t -> t.getKey())
                    .contains("node-role.kubernetes.io/control-plane");
            assertThat(operator.status("refused-for-now").condition("Degraded").reason()).isNotEqualTo("InvalidSpec");
        });
        operator.delete("refused-for-now");
    }

    @Test
    void aPolicyTheClusterRefusesToRunIsInvalidSpecWithTheApiServersMessageUntilFixed() {
        operator.admin().load(new java.io.ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).create();
        try {
            awaitDaemonSetsTheGuardrailRefuses();
            operator.create("guarded-neighbour", PARCA);
            Eventually.assertThat(() -> assertThat(operator.served("guarded-neighbour")).isTrue());
            operator.create("unappliable", """
                    nodes:
                      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
                    """ + PARCA);

            Eventually.assertThat(() -> {
                ProfilingPolicyStatus status = operator.status("unappliable");
                assertThat(status.condition("Ready").status()).isEqualTo("False");
                assertThat(status.condition("Ready").reason()).isEqualTo("InvalidSpec");
                assertThat(status.condition("Degraded").status()).isEqualTo("True");
                assertThat(status.condition("Degraded").reason()).isEqualTo("InvalidSpec");
                assertThat(status.condition("Degraded").message()).contains(
                        "the API server refused the collector's DaemonSet scorch-system/scorch-collector",
                        "this cluster keeps DaemonSets off control-plane nodes");
            });
            assertThat(operator.served("unappliable")).isFalse();
            assertThat(operator.daemonSet().getSpec().getTemplate().getSpec().getTolerations()).extracting(t -> t.getKey())
                    .doesNotContain("node-role.kubernetes.io/control-plane");
            assertThat(operator.served("guarded-neighbour")).as("the other policies are still served").isTrue();
            Eventually.assertThat(() -> assertThat(operator.admin().v1().events().inNamespace("default").list().getItems())
                    .filteredOn(e -> e.getInvolvedObject().getName().equals("unappliable"))
                    .anySatisfy(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getReason()).isEqualTo("InvalidSpec");
                        assertThat(e.getMessage()).contains("this cluster keeps DaemonSets off control-plane nodes");
                    }));

            operator.edit("unappliable", """
                    nodes:
                      tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]
                    """ + PARCA);

            Eventually.assertThat(() -> {
                assertThat(operator.served("unappliable")).isTrue();
                assertThat(operator.daemonSet().getSpec().getTemplate().getSpec().getTolerations()).extracting(t -> t.getKey())
                        .contains("dedicated");
                assertThat(operator.status("unappliable").condition("Degraded").reason()).isNotEqualTo("InvalidSpec");
            });
        } finally {
            operator.admin().load(new java.io.ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).delete();
        }
    }

    /** An admission policy takes effect a moment after it is created: wait until a dry run is refused. */
    private static void awaitDaemonSetsTheGuardrailRefuses() {
        DaemonSet probe = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata().withName("guardrail-probe").withNamespace(NS).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "probe").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "probe").endMetadata()
                .withNewSpec().addNewToleration().withKey("node-role.kubernetes.io/control-plane").withOperator("Exists")
                .endToleration().addNewContainer().withName("c").withImage("probe").endContainer().endSpec()
                .endTemplate().endSpec().build();
        Eventually.assertThat(() -> assertThatThrownBy(() -> operator.admin().resource(probe).dryRun().create())
                .hasMessageContaining("this cluster keeps DaemonSets off control-plane nodes"));
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
            Map<String, String> annotations = new java.util.HashMap<>(
                    ds.getMetadata().getAnnotations() == null ? Map.of() : ds.getMetadata().getAnnotations());
            annotations.put("team.example/owner", "observability");
            ds.getMetadata().setAnnotations(annotations);
            return ds;
        });
        Thread.sleep(3000);

        assertThat(operator.writes()).as("writes by the operator after someone annotated its DaemonSet").isEqualTo(before);
        assertThat(operator.daemonSet().getMetadata().getAnnotations()).containsEntry("team.example/owner", "observability");
    }

    @Test
    void aNamespaceAdminCannotCreateAPolicy() {
        operator.admin().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName("team-a").endMetadata().build()).serverSideApply();
        operator.admin().rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
                .withNewMetadata().withName("alice-admin").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("admin")
                .endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                .build()).serverSideApply();
        KubernetesClient alice = operator.controlPlane().clientAs("alice", "system:authenticated");

        assertThatThrownBy(() -> alice.resource(Policies.parse("by-alice", PARCA)).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
    }

    @Test
    void theViewRoleReadsPoliciesButCannotWriteThem() {
        operator.create("viewed", PARCA);
        operator.admin().rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                .withNewMetadata().withName("bob-views-policies").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName("scorch-policies-view").endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("bob").endSubject()
                .build()).serverSideApply();
        KubernetesClient bob = operator.controlPlane().clientAs("bob", "system:authenticated");

        Eventually.assertThat(() -> assertThat(bob.resources(ProfilingPolicy.class).withName("viewed").get()).isNotNull());
        assertThatThrownBy(() -> bob.resources(ProfilingPolicy.class).withName("viewed").delete())
                .isInstanceOf(KubernetesClientException.class);
        assertThat(operator.admin().rbac().clusterRoles().withName("scorch-policies-view").get().getMetadata().getLabels())
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
    }

    /** A Node of the test, labelled {@code test=<group>} so a policy can select it. */
    private static void node(String name, String group) {
        operator.admin().nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("kubernetes.io/os", "linux", "test", group)).endMetadata().build()).serverSideApply();
    }

    private static String selecting(String group) {
        return "nodes: {selector: {matchLabels: {test: " + group + "}}}\n";
    }

    /** The collector pod the DaemonSet controller would make on {@code node}. */
    private static Pod collectorPod(String node) {
        return operator.admin().pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("scorch-collector-" + node)
                .withLabels(Map.of("app.kubernetes.io/name", "scorch-collector", "app.kubernetes.io/component", "node-collector",
                        "app.kubernetes.io/managed-by", "scorch-operator"))
                .endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName("scorch-collector")
                .addNewContainer().withName("collector").withImage("scorch-collector:test").endContainer()
                .endSpec().build()).create();
    }

    /** The pod condition a collector writes for one policy it serves. */
    private static PodCondition collecting(String policy, String status, String reason, String message, Instant lastExport) {
        return new PodConditionBuilder().withType(policy + ".policy.scorch.dev/Collecting").withStatus(status).withReason(reason)
                .withMessage(message).withLastProbeTime(lastExport.toString())
                .withLastTransitionTime(lastExport.toString()).build();
    }

    private static PodCondition ready(String status) {
        return new PodConditionBuilder().withType("Ready").withStatus(status)
                .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build();
    }

    private static void setPodConditions(Pod pod, PodCondition... conditions) {
        operator.admin().pods().inNamespace(NS).withName(pod.getMetadata().getName()).editStatus(p -> new PodBuilder(p)
                .editOrNewStatus().withConditions(conditions).endStatus().build());
    }

    /** What the DaemonSet controller writes once the current template runs everywhere. */
    private static void writeDaemonSetStatus() {
        operator.admin().apps().daemonSets().inNamespace(NS).withName("scorch-collector").editStatus(ds -> {
            ds.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(3)
                    .withCurrentNumberScheduled(3).withNumberReady(3).withUpdatedNumberScheduled(3)
                    .withNumberAvailable(3).withNumberMisscheduled(0)
                    .withObservedGeneration(ds.getMetadata().getGeneration()).build());
            return ds;
        });
    }
}
