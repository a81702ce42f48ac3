package dev.scorch.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.FailingNode;
import dev.scorch.operator.api.v1alpha1.PolicyCondition;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** How DaemonSet status and collector pods become a policy's status. */
class StatusAggregatorTest {
    private static final Instant NOW = Instant.parse("2026-11-21T22:00:00Z");
    private static final Instant LATER = Instant.parse("2026-11-21T22:05:00Z");

    private static ProfilingPolicy policy() {
        return Policies.example("minimal-parca.yaml");
    }

    private static DaemonSet daemonSet(int desired, int ready, int updated) {
        return new DaemonSetBuilder().withNewMetadata().withName("scorch-everything").withGeneration(1L).endMetadata()
                .withNewStatus().withDesiredNumberScheduled(desired).withNumberReady(ready)
                .withUpdatedNumberScheduled(updated).withObservedGeneration(1L).endStatus().build();
    }

    private static Pod pod(String node, PodCondition... conditions) {
        return new PodBuilder().withNewMetadata().withName("scorch-everything-" + node).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withConditions(conditions).endStatus().build();
    }

    private static PodCondition condition(String type, String status, String reason, String message, String since) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(since).build();
    }

    private static Pod collecting(String node, String lastExport) {
        return pod(node, condition("Ready", "True", null, null, "2026-11-21T21:00:00Z"),
                new PodConditionBuilder().withType("scorch.dev/Collecting").withStatus("True").withReason("Collecting")
                        .withLastProbeTime(lastExport).build());
    }

    /**
     * The status when the policy selects the nodes of {@code pods} plus, up to the DaemonSet's
     * desired count, nodes whose collector pod is not there yet.
     */
    private static ProfilingPolicyStatus aggregate(ProfilingPolicy policy, DaemonSet ds, List<Pod> pods, Instant now) {
        Set<String> nodes = new TreeSet<>();
        pods.forEach(pod -> nodes.add(StatusAggregator.nodeOf(pod)));
        for (int i = 0; nodes.size() < ds.getStatus().getDesiredNumberScheduled(); i++) {
            nodes.add("pending-" + i);
        }
        return StatusAggregator.aggregate(policy, new Observation(false, Optional.empty(), ds, nodes, pods), now);
    }

    private static Pod ready(String node) {
        return pod(node, condition("Ready", "True", null, null, "2026-11-21T21:00:00Z"));
    }

    @Test
    void allNodesCollectingIsReady() {
        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(2, 2, 2),
                List.of(collecting("n1", "2026-11-21T21:59:30Z"), collecting("n2", "2026-11-21T21:59:45Z")), NOW);

        assertThat(status.observedGeneration()).isEqualTo(1L);
        assertThat(status.nodes().desired()).isEqualTo(2);
        assertThat(status.nodes().ready()).isEqualTo(2);
        assertThat(status.nodes().collecting()).isEqualTo(2);
        assertThat(status.nodes().failing()).isZero();
        assertThat(status.condition("Ready").status()).isEqualTo("True");
        assertThat(status.condition("Degraded").status()).isEqualTo("False");
        assertThat(status.condition("Progressing").status()).isEqualTo("False");
        assertThat(status.lastExportTime()).isEqualTo("2026-11-21T21:59:45Z");
        assertThat(status.daemonSet()).isEqualTo("scorch-everything");
        assertThat(status.failingNodes()).isNull();
    }

    @Test
    void failingCollectorsAreNamedWithTheirReasonMostRecentFirst() {
        Pod crashing = new PodBuilder(pod("n1", condition("Ready", "False", "ContainersNotReady", null, "2026-11-21T21:50:00Z")))
                .editStatus().addNewContainerStatus().withName("collector").withNewState().withNewWaiting()
                .withReason("CrashLoopBackOff").withMessage("back-off 5m0s restarting").endWaiting().endState()
                .endContainerStatus().endStatus().build();
        Pod unreachable = pod("n2", condition("Ready", "False", null, null, "2026-11-21T21:55:00Z"),
                condition("scorch.dev/Collecting", "False", "BackendUnreachable",
                        "node n2: parca: connection refused", "2026-11-21T21:55:00Z"));
        Pod unschedulable = new PodBuilder(pod(null,
                condition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: insufficient memory",
                        "2026-11-21T21:40:00Z")))
                .editSpec().withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchField().withKey("metadata.name").withOperator("In").withValues("n3")
                .endMatchField().endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build();

        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(4, 1, 4),
                List.of(crashing, unreachable, unschedulable, collecting("n4", "2026-11-21T21:59:00Z")), NOW);

        assertThat(status.failingNodes()).extracting(FailingNode::node, FailingNode::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n2", "BackendUnreachable"),
                org.assertj.core.groups.Tuple.tuple("n1", "CrashLoopBackOff"),
                org.assertj.core.groups.Tuple.tuple("n3", "Unschedulable"));
        assertThat(status.failingNodes().getFirst().message()).isEqualTo("node n2: parca: connection refused");
        assertThat(status.nodes().failing()).isEqualTo(3);
        assertThat(status.condition("Ready").reason()).isEqualTo("NodesFailing");
        assertThat(status.condition("Ready").message()).isEqualTo("3 of 4 nodes are not collecting");
        assertThat(status.condition("Degraded").status()).isEqualTo("True");
    }

    @Test
    void atMostTwentyFailingNodesAreListedButAllAreCounted() {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            pods.add(pod("n" + i, condition("scorch.dev/Collecting", "False", "PerfUnavailable", "no perf",
                    String.format("2026-11-21T21:%02d:00Z", i))));
        }

        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(25, 0, 25), pods, NOW);

        assertThat(status.failingNodes()).hasSize(StatusAggregator.MAX_FAILING_NODES);
        assertThat(status.failingNodes().getFirst().node()).isEqualTo("n24");
        assertThat(status.nodes().failing()).isEqualTo(25);
    }

    @Test
    void startingCollectorsAreNotFailing() {
        Pod starting = pod("n1", condition("Ready", "False", "ContainersNotReady", null, "2026-11-21T21:59:00Z"),
                condition("scorch.dev/Collecting", "True", "Starting", "starting", "2026-11-21T21:59:00Z"));

        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(1, 0, 1), List.of(starting), NOW);

        assertThat(status.failingNodes()).isNull();
        assertThat(status.condition("Ready").reason()).isEqualTo("NodesNotReady");
        assertThat(status.condition("Degraded").status()).isEqualTo("False");
    }

    @Test
    void rolloutInProgressIsProgressing() {
        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(3, 3, 1), List.of(), NOW);

        assertThat(status.condition("Progressing").status()).isEqualTo("True");
        assertThat(status.condition("Progressing").message()).isEqualTo("1 of 3 collector nodes run the current collector");
    }

    @Test
    void lastTransitionTimeHoldsWhileStatusAndReasonHold() {
        ProfilingPolicy policy = policy();
        policy.setStatus(aggregate(policy, daemonSet(2, 1, 2), List.of(ready("n1")), NOW));

        ProfilingPolicyStatus later = aggregate(policy, daemonSet(3, 1, 3), List.of(ready("n1")), LATER);

        assertThat(later.condition("Ready").reason()).isEqualTo("NodesNotReady");
        assertThat(later.condition("Ready").message()).isEqualTo("1 of 3 collectors are ready");
        assertThat(later.condition("Ready").lastTransitionTime()).isEqualTo("2026-11-21T22:00:00Z");

        ProfilingPolicyStatus ready = aggregate(policy, daemonSet(3, 3, 3), List.of(ready("n1"), ready("n2"), ready("n3")), LATER);
        assertThat(ready.condition("Ready").lastTransitionTime()).isEqualTo("2026-11-21T22:05:00Z");
    }

    @Test
    void aNewReasonUnderTheSameStatusKeepsTheLastTransitionTime() {
        ProfilingPolicy policy = policy();
        policy.setStatus(aggregate(policy, daemonSet(2, 1, 2), List.of(), NOW));
        Pod failing = pod("n2", condition("scorch.dev/Collecting", "False", "BackendUnreachable", "refused",
                "2026-11-21T22:04:00Z"));

        ProfilingPolicyStatus later = aggregate(policy, daemonSet(2, 1, 2), List.of(failing), LATER);

        assertThat(policy.getStatus().condition("Ready").reason()).isEqualTo("NodesNotReady");
        assertThat(later.condition("Ready").reason()).isEqualTo("NodesFailing");
        assertThat(later.condition("Ready").lastTransitionTime()).isEqualTo("2026-11-21T22:00:00Z");
        assertThat(later.condition("Degraded").status()).isEqualTo("True");
        assertThat(later.condition("Degraded").lastTransitionTime()).isEqualTo("2026-11-21T22:05:00Z");
    }

    @Test
    void anUnchangedSituationGivesAnEqualStatus() {
        ProfilingPolicy policy = policy();
        List<Pod> pods = List.of(collecting("n1", "2026-11-21T21:59:30Z"));
        policy.setStatus(aggregate(policy, daemonSet(1, 1, 1), pods, NOW));

        assertThat(aggregate(policy, daemonSet(1, 1, 1), pods, LATER)).isEqualTo(policy.getStatus());
    }

    @Test
    void lastExportTimeAdvancesInMinuteStepsSoHeartbeatsDoNotWriteStatus() {
        ProfilingPolicy policy = policy();
        policy.setStatus(aggregate(policy, daemonSet(1, 1, 1), List.of(collecting("n1", "2026-11-21T21:58:00Z")), NOW));

        ProfilingPolicyStatus soon = aggregate(policy, daemonSet(1, 1, 1),
                List.of(collecting("n1", "2026-11-21T21:58:30Z")), NOW);
        ProfilingPolicyStatus minuteLater = aggregate(policy, daemonSet(1, 1, 1),
                List.of(collecting("n1", "2026-11-21T21:59:00Z")), NOW);

        assertThat(soon).isEqualTo(policy.getStatus());
        assertThat(minuteLater.lastExportTime()).isEqualTo("2026-11-21T21:59:00Z");
    }

    @Test
    void suspendedPolicySaysSuspended() {
        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy(),
                new Observation(true, Optional.empty(), null, Set.of(), List.of()), NOW);

        assertThat(status.conditions()).extracting(PolicyCondition::reason).containsOnly("Suspended");
        assertThat(status.condition("Ready").status()).isEqualTo("False");
        assertThat(status.condition("Degraded").status()).isEqualTo("False");
        assertThat(status.daemonSet()).isNull();
    }

    @Test
    void aSuspendedPolicyShowsNoExportTimeFromBeforeItWasSuspended() {
        ProfilingPolicy policy = policy();
        policy.setStatus(aggregate(policy, daemonSet(1, 1, 1), List.of(collecting("n1", "2026-11-21T21:58:00Z")), NOW));

        ProfilingPolicyStatus suspended = StatusAggregator.aggregate(policy,
                new Observation(true, Optional.empty(), null, Set.of(), List.of()), LATER);

        assertThat(policy.getStatus().lastExportTime()).isEqualTo("2026-11-21T21:58:00Z");
        assertThat(suspended.lastExportTime()).isNull();
    }

    @Test
    void invalidPolicyIsDegradedWithTheValidatorsMessage() {
        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy(), new Observation(false,
                Optional.of(new Observation.Invalid("SecretMissing", "spec.export... names Secret x")), null, Set.of("n1"), List.of()), NOW);

        assertThat(status.condition("Degraded").status()).isEqualTo("True");
        assertThat(status.condition("Degraded").reason()).isEqualTo("SecretMissing");
        assertThat(status.condition("Ready").message()).isEqualTo("spec.export... names Secret x");
    }

    @Test
    void noMatchingNodesIsNotReadyButNotDegraded() {
        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(0, 0, 0), List.of(), NOW);

        assertThat(status.condition("Ready").reason()).isEqualTo("NoNodes");
        assertThat(status.condition("Degraded").status()).isEqualTo("False");
    }

    @Test
    void aReadyCollectorWhosePolicyConditionFailsIsAFailingNodeOfThatPolicyOnly() {
        Pod pod = pod("n1", condition("Ready", "True", null, null, "2026-11-21T21:00:00Z"),
                condition("scorch.dev/Collecting", "True", "Collecting", "node n1: serving 2 policies", "2026-11-21T21:00:00Z"),
                condition("everything.policy.scorch.dev/Collecting", "False", "BackendUnreachable", "node n1: backend parca down",
                        "2026-11-21T21:30:00Z"),
                condition("other.policy.scorch.dev/Collecting", "True", "Collecting", "node n1: profiling 3 targets",
                        "2026-11-21T21:00:00Z"));

        ProfilingPolicyStatus status = aggregate(policy(), daemonSet(1, 1, 1), List.of(pod), NOW);

        assertThat(status.failingNodes()).extracting(FailingNode::node, FailingNode::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n1", "BackendUnreachable"));
        assertThat(status.condition("Ready").reason()).isEqualTo("NodesFailing");
    }

    @Test
    void onlyTheCollectorsOnTheNodesThePolicySelectsCount() {
        Pod selected = collecting("n1", "2026-11-21T21:59:30Z");
        Pod elsewhere = pod("other-node", condition("Ready", "False", null, null, "2026-11-21T21:50:00Z"),
                condition("scorch.dev/Collecting", "False", "PerfUnavailable", "no perf", "2026-11-21T21:50:00Z"));

        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy(), new Observation(false, Optional.empty(),
                daemonSet(2, 1, 2), Set.of("n1"), List.of(selected, elsewhere)), NOW);

        assertThat(status.nodes().desired()).isEqualTo(1);
        assertThat(status.nodes().ready()).isEqualTo(1);
        assertThat(status.nodes().collecting()).isEqualTo(1);
        assertThat(status.failingNodes()).isNull();
        assertThat(status.condition("Ready").status()).isEqualTo("True");
    }

    @Test
    void aSelectedNodeWhoseCollectorIsNotThereYetIsNotReady() {
        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy(), new Observation(false, Optional.empty(),
                daemonSet(2, 1, 1), Set.of("n1", "new-node"), List.of(collecting("n1", "2026-11-21T21:59:30Z"))), NOW);

        assertThat(status.nodes().desired()).isEqualTo(2);
        assertThat(status.nodes().ready()).isEqualTo(1);
        assertThat(status.condition("Ready").reason()).isEqualTo("NodesNotReady");
        assertThat(status.condition("Progressing").status()).isEqualTo("True");
    }
}
