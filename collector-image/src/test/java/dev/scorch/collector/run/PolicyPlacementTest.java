package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.kubernetes.NodeCache;
import dev.scorch.collector.attribution.LabelSelector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyPlacementTest {

    static final NodeCache.Node WORKER = new NodeCache.Node(true, Map.of("pool", "workers"), List.of());
    static final NodeCache.Node GPU = new NodeCache.Node(true, Map.of("pool", "gpu"),
            List.of(new NodeCache.Taint("nvidia.com/gpu", "true", "NoSchedule")));

    static PolicyConfig.Nodes selecting(String pool, PolicyConfig.Toleration... tolerations) {
        return new PolicyConfig.Nodes(new LabelSelector(pool == null ? Map.of() : Map.of("pool", pool), List.of()), List.of(tolerations));
    }

    @Test
    void aNodeSelectorAdmitsOnlyNodesWithItsLabels() {
        assertThat(PolicyPlacement.admits(selecting("workers"), WORKER)).isTrue();
        assertThat(PolicyPlacement.admits(selecting("workers"), GPU)).isFalse();
    }

    @Test
    void aNoScheduleTaintRepelsAPolicyThatDoesNotTolerateIt() {
        assertThat(PolicyPlacement.admits(selecting("gpu"), GPU)).isFalse();
        assertThat(PolicyPlacement.admits(selecting("gpu", new PolicyConfig.Toleration("nvidia.com/gpu", "Exists", "", "")), GPU)).isTrue();
        assertThat(PolicyPlacement.admits(selecting(null, new PolicyConfig.Toleration("", "Exists", "", "")), GPU)).isTrue();
        assertThat(PolicyPlacement.admits(selecting(null, new PolicyConfig.Toleration("nvidia.com/gpu", "Equal", "false", "")), GPU)).isFalse();
        assertThat(PolicyPlacement.admits(selecting(null, new PolicyConfig.Toleration("nvidia.com/gpu", "Equal", "true", "NoExecute")), GPU))
                .as("a toleration of another effect").isFalse();
    }

    @Test
    void preferNoScheduleAndTheTaintsEveryDaemonSetToleratesDoNotRepel() {
        NodeCache.Node node = new NodeCache.Node(true, Map.of(), List.of(new NodeCache.Taint("soft", "", "PreferNoSchedule"),
                new NodeCache.Taint("node.kubernetes.io/not-ready", "", "NoExecute"),
                new NodeCache.Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")));

        assertThat(PolicyPlacement.admits(PolicyConfig.Nodes.EVERY_UNTAINTED_NODE, node)).isTrue();
    }

    @Test
    void aNodeNotReadYetIsAdmittedOnlyByPoliciesWithoutASelector() {
        assertThat(PolicyPlacement.admits(PolicyConfig.Nodes.EVERY_UNTAINTED_NODE, NodeCache.Node.UNKNOWN)).isTrue();
        assertThat(PolicyPlacement.admits(selecting("workers"), NodeCache.Node.UNKNOWN)).isFalse();
    }
}
