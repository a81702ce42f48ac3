package dev.scorch.collector.kubernetes;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.json.JsonValue;
import org.junit.jupiter.api.Test;

/**
 * Any watch event object (the API server's JSON, or a proxy's) updates the pod cache or is
 * ignored, never an exception; bytes that are not JSON fail the reader with a {@link
 * KubernetesException}, which the watch loop answers by reconnecting (the committed input {@code
 * ucs4-byte-order} is one Jazzer found against the previous JSON library).
 */
class PodCacheFuzzTest {

    private static final String EVENT = """
            {"metadata": {"name": "api-1", "namespace": "shop", "uid": "u-1", "labels": {"app": "api"},
              "ownerReferences": [{"kind": "ReplicaSet", "name": "api-5d8f7c9b4", "controller": true}]},
             "spec": {"nodeName": "node-a"},
             "status": {"phase": "Running", "containerStatuses": [{"name": "api", "containerID": "containerd://%s"}]}}
            """.formatted("ab".repeat(32));

    static void apply(byte[] bytes) throws KubernetesException {
        JsonValue object = ApiDocuments.parse("GET", "/api/v1/pods", bytes);
        PodCache cache = new PodCache(pod -> new Workload("Deployment", "api"));
        cache.apply("ADDED", object);
        cache.apply("MODIFIED", object);
        cache.apply("DELETED", object);
    }

    @FuzzTest(maxDuration = "1m")
    void anyWatchObjectIsAppliedOrIgnored(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        try {
            apply(bytes);
        } catch (KubernetesException notJson) {
            // the watch loop reconnects and relists
        }
    }

    @Test
    void mutantsOfAPodEventAreAppliedOrIgnored() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(EVENT), 300, 61), 64L << 20, PodCacheFuzzTest::apply,
                KubernetesException.class);
    }
}
