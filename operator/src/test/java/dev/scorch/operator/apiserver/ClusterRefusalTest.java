package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: what the cluster refuses that the CRD cannot know (an admission policy that keeps
 * DaemonSets off control-plane nodes): the API server accepts the policy and refuses its collectors;
 * the refused policy says why, the others are still served, and it is served once the refusal goes.
 */
class ClusterRefusalTest {
    private static final String NS = OperatorUnderTest.NAMESPACE;
    private static final String PARCA = OperatorUnderTest.PARCA;

    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();

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
        operator.admin().load(new ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).create();
        try {
            awaitDaemonSetsTheGuardrailRefuses();
            operator.create("refused-for-now", """
                    nodes:
                      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
                    """ + PARCA);
            Eventually.assertThat(() -> assertThat(operator.status("refused-for-now").condition("Degraded").reason()).isEqualTo("InvalidSpec"));
            assertThat(operator.served("refused-for-now")).isFalse();
        } finally {
            operator.admin().load(new ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).delete();
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
        operator.admin().load(new ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).create();
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
            operator.admin().load(new ByteArrayInputStream(NO_CONTROL_PLANE_DAEMONSETS.getBytes())).delete();
        }
    }

    /** An admission policy takes effect a moment after it is created: wait until a dry run is refused. */
    private static void awaitDaemonSetsTheGuardrailRefuses() {
        DaemonSet probe = new DaemonSetBuilder()
                .withNewMetadata().withName("guardrail-probe").withNamespace(NS).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "probe").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "probe").endMetadata()
                .withNewSpec().addNewToleration().withKey("node-role.kubernetes.io/control-plane").withOperator("Exists")
                .endToleration().addNewContainer().withName("c").withImage("probe").endContainer().endSpec()
                .endTemplate().endSpec().build();
        Eventually.assertThat(() -> assertThatThrownBy(() -> operator.admin().resource(probe).dryRun().create())
                .hasMessageContaining("this cluster keeps DaemonSets off control-plane nodes"));
    }
}
