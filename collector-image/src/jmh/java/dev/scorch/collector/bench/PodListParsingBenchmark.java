package dev.scorch.collector.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.collector.json.JsonLimits;
import dev.scorch.collector.json.JsonReader;
import dev.scorch.collector.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU of reading what the API server sends the collector: a node's pod list (one page) and
 * the same pods as a watch stream of MODIFIED events, into a tree, by the collector's own reader
 * and by Jackson (the library it replaced, the anchor). The pods are shaped like real ones:
 * labels, annotations, owner references, managed fields, two containers with ports, env and
 * volume mounts, and their statuses; about 6 KiB each.
 * Forked with the image's compiler and heap (C1 only, serial GC, 64 MiB), as the collector runs.
 * Run: {@code BENCHMARK=PodListParsingBenchmark bench/jmh.sh -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"})
public class PodListParsingBenchmark {

    private static final JsonLimits LIMITS = new JsonLimits(64, 2 << 20, 8 << 20, 250_000);
    private static final ObjectMapper JACKSON = new ObjectMapper();

    /** 110 pods is the kubelet's default maximum per node. */
    @Param({"110"})
    int pods;

    byte[] list;
    byte[] watch;

    @Setup
    public void pods() {
        StringBuilder items = new StringBuilder();
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < pods; i++) {
            String pod = pod(i);
            items.append(i == 0 ? "" : ",").append(pod);
            events.append("{\"type\":\"MODIFIED\",\"object\":").append(pod).append("}\n");
        }
        list = ("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"812345\"},\"items\":[" + items + "]}")
                .getBytes(StandardCharsets.UTF_8);
        watch = events.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public JsonValue listOwnReader() throws IOException {
        return JsonReader.parse(list, LIMITS);
    }

    @Benchmark
    public JsonNode listJackson() throws IOException {
        return JACKSON.readTree(list);
    }

    @Benchmark
    public int watchOwnReader() throws IOException {
        JsonReader events = JsonReader.streaming(new ByteArrayInputStream(watch), LIMITS);
        int n = 0;
        while (events.next() != null) {
            n++;
        }
        return n;
    }

    @Benchmark
    public int watchJackson() throws IOException {
        int n = 0;
        try (MappingIterator<JsonNode> events = JACKSON.readerFor(JsonNode.class).readValues(new ByteArrayInputStream(watch))) {
            while (events.hasNextValue()) {
                events.nextValue();
                n++;
            }
        }
        return n;
    }

    static String pod(int i) {
        String hash = Integer.toHexString(0x5d8f7c9 + i);
        return """
            {"kind":"Pod","apiVersion":"v1","metadata":{"name":"checkout-%1$s-x%2$d","generateName":"checkout-%1$s-","namespace":"shop",
            "uid":"0f2a7c1e-5b3d-4e8f-9a6b-%3$012d","resourceVersion":"%4$d","creationTimestamp":"2026-12-06T10:00:00Z",
            "labels":{"app":"checkout","pod-template-hash":"%1$s","team":"payments","version":"v2.41.0"},
            "annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-01T09:00:00Z","scorch.dev/pprof-port":"6060",
            "prometheus.io/scrape":"true","note":"caf\\u00e9 \\"quoted\\" text\\nwith a newline"},
            "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"checkout-%1$s","uid":"7a1b-%2$d","controller":true,
            "blockOwnerDeletion":true}],
            "managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z",
            "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},
            "f:ownerReferences":{".":{},"k:{\\"uid\\":\\"7a1b\\"}":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"app\\"}":{".":{},
            "f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}},
            "f:resources":{".":{},"f:limits":{".":{},"f:cpu":{},"f:memory":{}}}}},"f:dnsPolicy":{},"f:restartPolicy":{}}}},
            {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:05Z","fieldsType":"FieldsV1",
            "fieldsV1":{"f:status":{"f:conditions":{"k:{\\"type\\":\\"Ready\\"}":{".":{},"f:lastProbeTime":{},"f:status":{},"f:type":{}}},
            "f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}},"subresource":"status"}]},
            "spec":{"containers":[{"name":"app","image":"registry.example.com/shop/checkout:v2.41.0","ports":[{"name":"http","containerPort":8080,
            "protocol":"TCP"},{"name":"pprof","containerPort":6060,"protocol":"TCP"}],"env":[{"name":"GOMAXPROCS","value":"2"},
            {"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],
            "resources":{"limits":{"cpu":"2","memory":"1Gi"},"requests":{"cpu":"500m","memory":"512Mi"}},
            "volumeMounts":[{"name":"kube-api-access-%2$d","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],
            "terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"},
            {"name":"sidecar","image":"registry.example.com/mesh/proxy:1.24.3","ports":[{"containerPort":15090,"name":"metrics","protocol":"TCP"}],
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}],
            "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"checkout",
            "nodeName":"node-a","securityContext":{"runAsNonRoot":true,"runAsUser":10001,"fsGroup":10001},"schedulerName":"default-scheduler",
            "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
            "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},
            "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,
            "lastTransitionTime":"2026-12-06T10:00:05Z"},{"type":"scorch.dev/Collecting","status":"True","reason":"Collecting",
            "message":"node node-a: sampling 2 CPUs at 19 Hz","lastTransitionTime":"2026-12-06T10:00:09Z"}],
            "hostIP":"10.0.0.4","podIP":"10.244.1.%5$d","podIPs":[{"ip":"10.244.1.%5$d"}],"startTime":"2026-12-06T10:00:00Z",
            "containerStatuses":[{"name":"app","state":{"running":{"startedAt":"2026-12-06T10:00:03Z"}},"ready":true,"restartCount":0,
            "image":"registry.example.com/shop/checkout:v2.41.0","imageID":"registry.example.com/shop/checkout@sha256:%6$s",
            "containerID":"containerd://%6$s","started":true},{"name":"sidecar","state":{"running":{"startedAt":"2026-12-06T10:00:02Z"}},
            "ready":true,"restartCount":1,"image":"registry.example.com/mesh/proxy:1.24.3","containerID":"containerd://%7$s","started":true}],
            "qosClass":"Burstable"}}""".formatted(hash, i, i, 800000 + i, i % 250, "ab".repeat(31) + String.format("%02x", i % 256),
                "cd".repeat(31) + String.format("%02x", i % 256)).replace("\n", "");
    }
}
