package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.ConditionWriter;
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
        ObjectNode entry = ApiServer.JSON.createObjectNode().put("type", type).put("$patch", "delete");
        ObjectNode patch = ApiServer.JSON.createObjectNode();
        patch.putObject("status").putArray("conditions").add(entry);
        api.patch(path, "application/strategic-merge-patch+json", patch.toString());
    }

    static String body(CollectingCondition condition) {
        return body(CollectingCondition.TYPE, condition);
    }

    static String body(String type, CollectingCondition condition) {
        ObjectNode entry = ApiServer.JSON.createObjectNode()
                .put("type", type)
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
