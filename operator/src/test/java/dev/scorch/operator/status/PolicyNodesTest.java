package dev.scorch.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which nodes a policy selects: as the collector on each node decides which policies it serves. */
class PolicyNodesTest {

    private static Node node(String name, Map<String, String> labels, Taint... taints) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.putIfAbsent("kubernetes.io/os", "linux");
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(all).endMetadata()
                .withNewSpec().withTaints(taints).endSpec().build();
    }

    private static Taint taint(String key, String value, String effect) {
        return new Taint(effect, key, null, value);
    }

    private static ProfilingPolicy policy(String nodesYaml) {
        return Policies.parse("p", nodesYaml + "\nexport: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
    }

    @Test
    void aPolicyWithoutNodesSelectsEveryUntaintedLinuxNode() {
        List<Node> nodes = List.of(node("plain", Map.of()), node("windows", Map.of("kubernetes.io/os", "windows")),
                node("tainted", Map.of(), taint("dedicated", "db", "NoSchedule")),
                node("preferred", Map.of(), taint("soft", "x", "PreferNoSchedule")),
                node("not-ready", Map.of(), taint("node.kubernetes.io/not-ready", null, "NoExecute")));

        assertThat(PolicyNodes.selectedBy(policy(""), nodes)).containsExactly("not-ready", "plain", "preferred");
    }

    @Test
    void labelsAndExpressionsMustAllMatch() {
        ProfilingPolicy policy = policy("""
                nodes:
                  selector:
                    matchLabels: {pool: web}
                    matchExpressions: [{key: zone, operator: In, values: [a, b]}, {key: spot, operator: DoesNotExist},
                                       {key: arch, operator: NotIn, values: [arm64]}]
                """);
        List<Node> nodes = List.of(
                node("match", Map.of("pool", "web", "zone", "a")),
                node("other-zone", Map.of("pool", "web", "zone", "c")),
                node("spot", Map.of("pool", "web", "zone", "b", "spot", "true")),
                node("arm", Map.of("pool", "web", "zone", "b", "arch", "arm64")),
                node("other-pool", Map.of("pool", "db", "zone", "a")));

        assertThat(PolicyNodes.selectedBy(policy, nodes)).containsExactly("match");
    }

    @Test
    void tolerationsAdmitTheTaintsTheyTolerate() {
        ProfilingPolicy policy = policy("""
                nodes:
                  tolerations: [{key: dedicated, operator: Equal, value: profiling, effect: NoSchedule}, {key: gpu, operator: Exists}]
                """);
        List<Node> nodes = List.of(
                node("profiling", Map.of(), taint("dedicated", "profiling", "NoSchedule")),
                node("db", Map.of(), taint("dedicated", "db", "NoSchedule")),
                node("gpu", Map.of(), taint("gpu", "a100", "NoExecute")));

        assertThat(PolicyNodes.selectedBy(policy, nodes)).containsExactly("gpu", "profiling");
        assertThat(PolicyNodes.selectedBy(policy("nodes: {tolerations: [{operator: Exists}]}"), nodes)).hasSize(3);
    }
}
