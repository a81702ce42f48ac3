package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A refusal worded in DaemonSet paths names the policy field to change. */
class PolicyFieldOfDaemonSetTest {

    @Test
    void aNodeAffinityRefusalNamesSpecNodesSelector() {
        assertThat(PolicyFieldOfDaemonSet.in("DaemonSet.apps \"scorch-collector\" is invalid: spec.template.spec.affinity"
                + ".nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]: Invalid value"))
                .contains("spec.nodes.selector");
    }

    @Test
    void aResourceRefusalNamesNoPolicyField() {
        assertThat(PolicyFieldOfDaemonSet.in("DaemonSet.apps \"scorch-collector\" is invalid:"
                + " spec.template.spec.containers[0].resources.limits: Required value: Limit must be set"))
                .as("resources are an operator setting now").isEmpty();
    }

    @Test
    void theFirstFieldNamedWins() {
        assertThat(PolicyFieldOfDaemonSet.in("is invalid: [spec.template.spec.tolerations[0].key: Invalid value,"
                + " spec.template.spec.containers[0].resources.limits: Required value]"))
                .contains("spec.nodes.tolerations");
    }

    @Test
    void aFieldThePolicyDoesNotSetNamesNone() {
        assertThat(PolicyFieldOfDaemonSet.in("spec.template.spec.volumes[0].name: Invalid value")).isEmpty();
    }
}
