package dev.scorch.collector.kubernetes;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.ConditionWriter;
import dev.scorch.collector.json.JsonArray;
import dev.scorch.collector.json.JsonObject;
import dev.scorch.collector.json.JsonWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;

/**
 * Writes one condition ({@code scorch.dev/Collecting}, or a policy's own) to the collector's own
 * pod with a strategic merge patch of {@code pods/status}: conditions merge by {@code type}, so
 * the kubelet's own conditions and the other policies' are left alone.
 */
public final class PodStatusPatcher implements ConditionWriter {

    private final ApiServer api;
    private final String path;
    private final String type;

    public PodStatusPatcher(ApiServer api, String namespace, String pod) {
        this(CollectingCondition.TYPE, api, "/api/v1/namespaces/" + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/pods/"
                + URLEncoder.encode(pod, StandardCharsets.UTF_8) + "/status");
    }

    private PodStatusPatcher(String type, ApiServer api, String path) {
        this.api = api;
        this.path = path;
        this.type = type;
    }

    /** The same pod's condition of another type, e.g. a policy's {@link CollectingCondition#policyType(String)}. */
    public PodStatusPatcher forType(String conditionType) {
        return new PodStatusPatcher(conditionType, api, path);
    }

    @Override
    public void write(CollectingCondition condition) throws KubernetesException, InterruptedException {
        api.patch(path, "application/strategic-merge-patch+json", body(type, condition));
    }

    /** Removes this type's condition from the pod (a policy no longer served here). */
    public void remove() throws KubernetesException, InterruptedException {
        api.patch(path, "application/strategic-merge-patch+json", conditionPatch(JsonObject.builder().put("type", type).put("$patch", "delete")));
    }

    static String body(CollectingCondition condition) {
        return body(CollectingCondition.TYPE, condition);
    }

    static String body(String type, CollectingCondition condition) {
        JsonObject.Builder entry = JsonObject.builder()
                .put("type", type)
                .put("status", condition.status() ? "True" : "False")
                .put("reason", condition.reason().name())
                .put("message", condition.message())
                .put("lastTransitionTime", condition.lastTransitionTime().truncatedTo(ChronoUnit.SECONDS).toString());
        if (condition.lastProbeTime() != null) {
            entry.put("lastProbeTime", condition.lastProbeTime().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return conditionPatch(entry);
    }

    /** {@code {"status":{"conditions":[entry]}}}: the one condition, merged by its type. */
    private static String conditionPatch(JsonObject.Builder entry) {
        JsonObject conditions = JsonObject.builder().put("conditions", JsonArray.of(entry.build())).build();
        return JsonWriter.write(JsonObject.builder().put("status", conditions).build());
    }
}
