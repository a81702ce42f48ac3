package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 3: a change of a Node's labels or taints reconciles only the policies whose nodes it changes,
 * and their status counts it; a policy that selects the node before and after is not reconciled.
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

    /** The reconciles of {@code policy} once the echoes of the writes that served it have arrived. */
    private static int settledReconciles(String policy) throws InterruptedException {
        Thread.sleep(2000);
        return operator.reconciles(policy);
    }

    private static void node(String name, Map<String, String> labels, List<Taint> taints) {
        StandIns.node(operator.admin(), name, labels, taints);
    }
}
