package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.ConditionWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;

/**
 * Writes the {@code scorch.dev/Collecting} condition to the collector's own pod with a strategic
 * merge patch of {@code pods/status}: conditions merge by {@code type}, so the kubelet's own
 * conditions are left alone.
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
    public void write(CollectingCondition condition) throws KubernetesException, InterruptedException {
        api.patch(path, "application/strategic-merge-patch+json", body(condition));
    }

    static String body(CollectingCondition condition) {
        ObjectNode entry = ApiServer.JSON.createObjectNode()
                .put("type", CollectingCondition.TYPE)
                .put("status", condition.status() ? "True" : "False")
                .put("reason", condition.reason().name())
                .put("message", condition.message())
                .put("lastTransitionTime", condition.lastTransitionTime().truncatedTo(ChronoUnit.SECONDS).toString());
        if (condition.lastProbeTime() != null) {
            entry.put("lastProbeTime", condition.lastProbeTime().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        ObjectNode patch = ApiServer.JSON.createObjectNode();
        patch.putObject("status").putArray("conditions").add(entry);
        return patch.toString();
    }
}
