package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Namespace labels (for {@code namespaceSelector}), fed by a {@link ListWatch} on namespaces. */
public final class NamespaceCache implements ListWatch.Handler {

    private final Map<String, Map<String, String>> labels = new ConcurrentHashMap<>();
    private volatile long generation;

    /** The namespace's labels, empty when the namespace is not known (yet). */
    public Optional<Map<String, String>> labels(String namespace) {
        return Optional.ofNullable(labels.get(namespace));
    }

    /** Increases on every change to the cache. */
    public long generation() {
        return generation;
    }

    @Override
    public synchronized void replaceAll(List<JsonNode> objects) {
        Map<String, Map<String, String>> fresh = new HashMap<>();
        objects.forEach(object -> fresh.put(object.path("metadata").path("name").asText(), labelsOf(object)));
        labels.keySet().retainAll(fresh.keySet());
        labels.putAll(fresh);
        generation++;
    }

    @Override
    public synchronized void apply(String type, JsonNode object) {
        String name = object.path("metadata").path("name").asText();
        if (type.equals("DELETED")) {
            labels.remove(name);
        } else {
            labels.put(name, labelsOf(object));
        }
        generation++;
    }

    private static Map<String, String> labelsOf(JsonNode object) {
        Map<String, String> values = new HashMap<>();
        object.path("metadata").path("labels").properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(values);
    }
}
