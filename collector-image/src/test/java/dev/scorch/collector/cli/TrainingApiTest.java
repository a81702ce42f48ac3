package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.json.JsonLimits;
import dev.scorch.collector.json.JsonReader;
import dev.scorch.collector.json.JsonValue;
import dev.scorch.collector.kubernetes.NodeCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.kubernetes.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The class-data training's API server answers in the shapes the collector's own caches read, so
 * the training's {@code run} places its policy and fills its pod cache as on a node; read back
 * here through those caches.
 */
class TrainingApiTest {

    private static final JsonLimits LIMITS = new JsonLimits(64, 1 << 20, 1 << 20, 100_000);
    private final TrainingApi api = new TrainingApi("node-1");

    @Test
    void nodeListHoldsTheTrainingNodeWithTheLabelAndTaintThePolicyIsPlacedBy() throws Exception {
        NodeCache nodes = new NodeCache();
        nodes.replaceAll(items("GET /api/v1/nodes?limit=500&fieldSelector=metadata.name%3Dnode-1 HTTP/1.1\r\n\r\n"));

        assertThat(nodes.node().labels()).containsEntry(TrainingApi.NODE_LABEL, "true");
        assertThat(nodes.node().taints()).containsExactly(new NodeCache.Taint(TrainingApi.TAINT_KEY, "true", "NoSchedule"));
    }

    @Test
    void podListHoldsAPodOnTheNodeWhoseContainerTheCacheFindsByItsId() throws Exception {
        PodCache pods = new PodCache(pod -> new Workload("Deployment", "checkout"));
        pods.replaceAll(items("GET /api/v1/pods?limit=500&fieldSelector=spec.nodeName%3Dnode-1 HTTP/1.1\r\n\r\n"));

        PodInfo pod = pods.byContainerId(TrainingApi.CONTAINER_ID).orElseThrow();
        assertThat(pod.node()).isEqualTo("node-1");
        assertThat(pod.namespace()).isEqualTo(TrainingApi.NAMESPACE);
    }

    @Test
    void replicaSetNamesTheDeploymentThatOwnsIt() throws Exception {
        JsonValue replicaSet = JsonReader.parse(api.answer(
                "GET /apis/apps/v1/namespaces/shop/replicasets/checkout-7d4b9c HTTP/1.1\r\n\r\n").orElseThrow(), LIMITS);

        assertThat(replicaSet.member("metadata").member("ownerReferences").elements().getFirst().member("kind").stringOr(""))
                .isEqualTo("Deployment");
    }

    @Test
    void watchIsHeldOpenWithoutAnswer() {
        assertThat(api.answer("GET /api/v1/pods?watch=1&allowWatchBookmarks=true HTTP/1.1\r\n\r\n")).isEmpty();
    }

    private List<JsonValue> items(String head) throws Exception {
        return JsonReader.parse(api.answer(head).orElseThrow(), LIMITS).member("items").elements();
    }
}
