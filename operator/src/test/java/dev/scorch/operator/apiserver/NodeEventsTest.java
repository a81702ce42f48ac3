package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: which policies an event about a node reaches. A change of a Node's labels or taints
 * reconciles only the policies whose nodes it changes, and their status counts it; a policy that
 * selects the node before and after is not reconciled. A deleted node leaves the policies that
 * selected it. A change of the collector pod on a node
 * reaches every policy that selects the node, since each counts that pod in its status.
 */
class NodeEventsTest {
    private static final String PARCA = OperatorUnderTest.PARCA;

    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();

    @Test
    void aRelabelledNodeReconcilesThePoliciesItJoinsAndLeavesAndNoOther() throws Exception {
        node("relabelled", Map.of("suite", "relabel", "team", "a"), List.of());
        operator.create("team-a", "nodes: {selector: {matchLabels: {suite: relabel, team: a}}}\n" + PARCA);
        operator.create("team-b", "nodes: {selector: {matchLabels: {suite: relabel, team: b}}}\n" + PARCA);
        operator.create("either-team", "nodes: {selector: {matchLabels: {suite: relabel}}}\n" + PARCA);
        Eventually.assertThat(() -> {
            assertThat(operator.status("team-a").nodes().desired()).isEqualTo(1);
            assertThat(operator.status("team-b").nodes().desired()).isEqualTo(0);
            assertThat(operator.status("either-team").nodes().desired()).isEqualTo(1);
        });
        int unaffected = settledReconciles("either-team");

        node("relabelled", Map.of("suite", "relabel", "team", "b"), List.of());

        Eventually.assertThat(() -> {
            assertThat(operator.status("team-a").nodes().desired()).isEqualTo(0);
            assertThat(operator.status("team-b").nodes().desired()).isEqualTo(1);
        });
        Thread.sleep(2000);
        assertThat(operator.reconciles("either-team")).as("reconciles of a policy that selects the node before and after")
                .isEqualTo(unaffected);
        assertThat(operator.status("either-team").nodes().desired()).isEqualTo(1);
    }

    @Test
    void aNewTaintReconcilesThePoliciesThatDoNotTolerateItAndNoOther() throws Exception {
        node("tainted", Map.of("suite", "taint"), List.of());
        operator.create("intolerant", "nodes: {selector: {matchLabels: {suite: taint}}}\n" + PARCA);
        operator.create("tolerant", """
                nodes:
                  selector: {matchLabels: {suite: taint}}
                  tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]
                """ + PARCA);
        Eventually.assertThat(() -> {
            assertThat(operator.status("intolerant").nodes().desired()).isEqualTo(1);
            assertThat(operator.status("tolerant").nodes().desired()).isEqualTo(1);
        });
        int unaffected = settledReconciles("tolerant");

        node("tainted", Map.of("suite", "taint"),
                List.of(new TaintBuilder().withKey("dedicated").withValue("profiling").withEffect("NoSchedule").build()));

        Eventually.assertThat(() -> assertThat(operator.status("intolerant").nodes().desired()).isEqualTo(0));
        Thread.sleep(2000);
        assertThat(operator.reconciles("tolerant")).as("reconciles of a policy that tolerates the new taint")
                .isEqualTo(unaffected);
        assertThat(operator.status("tolerant").nodes().desired()).isEqualTo(1);
    }

    @Test
    void aDeletedNodeLeavesThePoliciesThatSelectedIt() throws Exception {
        node("leaving-1", Map.of("suite", "delete"), List.of());
        node("staying-1", Map.of("suite", "delete"), List.of());
        operator.create("losing-a-node", "nodes: {selector: {matchLabels: {suite: delete}}}\n" + PARCA);
        Eventually.assertThat(() -> assertThat(operator.status("losing-a-node").nodes().desired()).isEqualTo(2));

        operator.admin().nodes().withName("leaving-1").delete();

        Eventually.assertThat(() -> assertThat(operator.status("losing-a-node").nodes().desired()).isEqualTo(1));
    }

    @Test
    void aCollectorPodTurningUnreadyUpdatesEveryPolicyThatSelectsItsNode() throws Exception {
        node("shared-1", Map.of("suite", "pod-ready"), List.of());
        node("other-1", Map.of("suite", "pod-ready-other"), List.of());
        operator.create("reported-on", "nodes: {selector: {matchLabels: {suite: pod-ready}}}\n" + PARCA);
        operator.create("also-selecting", "nodes: {selector: {matchExpressions: [{key: suite, operator: In, values: [pod-ready]}]}}\n" + PARCA);
        operator.create("elsewhere", "nodes: {selector: {matchLabels: {suite: pod-ready-other}}}\n" + PARCA);
        Eventually.assertThat(() -> assertThat(operator.served("also-selecting")).isTrue());
        Pod pod = StandIns.collectorPod(operator.admin(), "shared-1");
        // The pod's collector reports on one of the two policies that select its node.
        Instant exported = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        StandIns.setPodConditions(operator.admin(), pod.getMetadata().getName(),
                StandIns.collecting("reported-on", "True", "Collecting", "node shared-1: collecting", exported), StandIns.ready("True"));
        StandIns.daemonSetRolledOut(operator.admin());
        Eventually.assertThat(() -> {
            assertThat(operator.status("reported-on").nodes().ready()).isEqualTo(1);
            assertThat(operator.status("also-selecting").nodes().ready()).isEqualTo(1);
        });
        int elsewhere = settledReconciles("elsewhere");

        StandIns.setPodConditions(operator.admin(), pod.getMetadata().getName(),
                StandIns.collecting("reported-on", "True", "Collecting", "node shared-1: collecting", exported), StandIns.ready("False"));

        Eventually.assertThat(() -> {
            assertThat(operator.status("reported-on").nodes().ready()).isEqualTo(0);
            assertThat(operator.status("also-selecting").nodes().ready()).as("a policy the pod does not report on").isEqualTo(0);
        });
        Thread.sleep(2000);
        assertThat(operator.reconciles("elsewhere")).as("reconciles of a policy that does not select the pod's node")
                .isEqualTo(elsewhere);
    }

    /** The reconciles of {@code policy} once the echoes of the writes that served it have arrived. */
    private static int settledReconciles(String policy) throws InterruptedException {
        Thread.sleep(2000);
        return operator.reconciles(policy);
    }

    private static void node(String name, Map<String, String> labels, List<Taint> taints) {
        StandIns.node(operator.admin(), name, labels, taints);
    }
}
