package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonValue;
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
    public synchronized void replaceAll(List<JsonValue> objects) {
        node = objects.isEmpty() ? Node.UNKNOWN : nodeOf(objects.getFirst());
    }

    @Override
    public synchronized void apply(String type, JsonValue object) {
        node = type.equals("DELETED") ? Node.UNKNOWN : nodeOf(object);
    }

    static Node nodeOf(JsonValue object) {
        Map<String, String> labels = new HashMap<>();
        object.member("metadata").member("labels").members().forEach((key, value) -> labels.put(key, value.stringOr("")));
        List<Taint> taints = new ArrayList<>();
        for (JsonValue taint : object.member("spec").member("taints").elements()) {
            taints.add(new Taint(taint.member("key").stringOr(""), taint.member("value").stringOr(""), taint.member("effect").stringOr("")));
        }
        return new Node(true, labels, taints);
    }
}
