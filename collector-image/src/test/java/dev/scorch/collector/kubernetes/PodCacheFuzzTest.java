package dev.scorch.collector.kubernetes;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import com.fasterxml.jackson.databind.JsonNode;
import dev.scorch.collector.fuzz.HostileInputs;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Any watch event object (the API server's JSON, or a proxy's) updates the pod cache or is
 * ignored, never an exception; bytes that are not JSON fail the reader with an {@link
 * IOException}, which the watch loop answers by reconnecting (Jazzer found one that is not a
 * {@code JacksonException}: a UCS-4 byte order Jackson refuses, {@code ucs4-byte-order}).
 */
class PodCacheFuzzTest {

    private static final String EVENT = """
            {"metadata": {"name": "api-1", "namespace": "shop", "uid": "u-1", "labels": {"app": "api"},
              "ownerReferences": [{"kind": "ReplicaSet", "name": "api-5d8f7c9b4", "controller": true}]},
             "spec": {"nodeName": "node-a"},
             "status": {"phase": "Running", "containerStatuses": [{"name": "api", "containerID": "containerd://%s"}]}}
            """.formatted("ab".repeat(32));

    static void apply(byte[] bytes) throws IOException {
        JsonNode object = ApiServer.JSON.readTree(bytes);
        PodCache cache = new PodCache(pod -> new Workload("Deployment", "api"));
        if (object != null) {
            cache.apply("ADDED", object);
            cache.apply("MODIFIED", object);
            cache.apply("DELETED", object);
        }
    }

    @FuzzTest(maxDuration = "1m")
    void anyWatchObjectIsAppliedOrIgnored(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        try {
            apply(bytes);
        } catch (IOException notJson) {
            // the watch loop reconnects and relists
        }
    }

    @Test
    void mutantsOfAPodEventAreAppliedOrIgnored() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(EVENT), 300, 61), 64L << 20, PodCacheFuzzTest::apply,
                IOException.class);
    }
}
