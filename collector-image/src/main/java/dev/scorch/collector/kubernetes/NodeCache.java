package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This collector's own Node (labels and taints), fed by a {@link ListWatch} on
 * {@code metadata.name=<node>}: which policies apply here follows the node's labels as they change.
 */
public final class NodeCache implements ListWatch.Handler {

    /**
     * A node's labels and taints.
     *
     * @param known false until the Node has been read (or when it does not exist)
     */
    public record Node(boolean known, Map<String, String> labels, List<Taint> taints) {

        public static final Node UNKNOWN = new Node(false, Map.of(), List.of());

        public Node {
            labels = Map.copyOf(labels);
            taints = List.copyOf(taints);
        }
    }

    /** A node taint: key, value (empty when none) and effect (NoSchedule, PreferNoSchedule, NoExecute). */
    public record Taint(String key, String value, String effect) {}

    private volatile Node node = Node.UNKNOWN;

    /** The node as last read, {@link Node#UNKNOWN} before that. */
    public Node node() {
        return node;
    }

    @Override
    public synchronized void replaceAll(List<JsonNode> objects) {
        node = objects.isEmpty() ? Node.UNKNOWN : nodeOf(objects.getFirst());
    }

    @Override
    public synchronized void apply(String type, JsonNode object) {
        node = type.equals("DELETED") ? Node.UNKNOWN : nodeOf(object);
    }

    static Node nodeOf(JsonNode object) {
        Map<String, String> labels = new HashMap<>();
        object.path("metadata").path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<Taint> taints = new ArrayList<>();
        for (JsonNode taint : object.path("spec").path("taints")) {
            taints.add(new Taint(taint.path("key").asText(""), taint.path("value").asText(""), taint.path("effect").asText("")));
        }
        return new Node(true, labels, taints);
    }
}
