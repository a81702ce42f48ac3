package dev.scorch.collector.kubernetes;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.ConditionWriter;
import dev.scorch.collector.json.JsonArray;
import dev.scorch.collector.json.JsonObject;
import dev.scorch.collector.json.JsonWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes conditions ({@code scorch.dev/Collecting} and the policies' own) to the collector's own
 * pod with one strategic merge patch of {@code pods/status}: conditions merge by {@code type}, so
 * one patch sets or removes several, and the kubelet's own conditions and those not named are left
 * alone.
 */
public final class PodStatusPatcher implements ConditionWriter {

    private final ApiServer api;
    private final String path;

    public PodStatusPatcher(ApiServer api, String namespace, String pod) {
        this.api = api;
        this.path = "/api/v1/namespaces/" + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/pods/"
                + URLEncoder.encode(pod, StandardCharsets.UTF_8) + "/status";
    }

    @Override
    public void write(Map<String, CollectingCondition> conditions, Set<String> removed) throws KubernetesException, InterruptedException {
        if (conditions.isEmpty() && removed.isEmpty()) {
            return;
        }
        api.patch(path, "application/strategic-merge-patch+json", body(conditions, removed));
    }

    /** {@code {"status":{"conditions":[...]}}}: each condition merged by its type, each removed type deleted. */
    static String body(Map<String, CollectingCondition> conditions, Set<String> removed) {
        List<JsonObject> entries = new ArrayList<>();
        conditions.forEach((type, condition) -> entries.add(entry(type, condition)));
        removed.forEach(type -> entries.add(JsonObject.builder().put("type", type).put("$patch", "delete").build()));
        JsonObject status = JsonObject.builder().put("conditions", JsonArray.of(entries)).build();
        return JsonWriter.write(JsonObject.builder().put("status", status).build());
    }

    private static JsonObject entry(String type, CollectingCondition condition) {
        JsonObject.Builder entry = JsonObject.builder()
                .put("type", type)
                .put("status", condition.status() ? "True" : "False")
                .put("reason", condition.reason().name())
                .put("message", condition.message())
                .put("lastTransitionTime", condition.lastTransitionTime().truncatedTo(ChronoUnit.SECONDS).toString());
        if (condition.lastProbeTime() != null) {
            entry.put("lastProbeTime", condition.lastProbeTime().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return entry.build();
    }
}
