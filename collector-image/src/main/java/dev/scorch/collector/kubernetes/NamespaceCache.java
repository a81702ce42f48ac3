package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonValue;
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
    public synchronized void replaceAll(List<JsonValue> objects) {
        Map<String, Map<String, String>> fresh = new HashMap<>();
        objects.forEach(object -> fresh.put(object.member("metadata").member("name").stringOr(""), labelsOf(object)));
        labels.keySet().retainAll(fresh.keySet());
        labels.putAll(fresh);
        generation++;
    }

    @Override
    public synchronized void apply(String type, JsonValue object) {
        String name = object.member("metadata").member("name").stringOr("");
        if (type.equals("DELETED")) {
            labels.remove(name);
        } else {
            labels.put(name, labelsOf(object));
        }
        generation++;
    }

    private static Map<String, String> labelsOf(JsonValue object) {
        Map<String, String> values = new HashMap<>();
        object.member("metadata").member("labels").members().forEach((key, value) -> values.put(key, value.stringOr("")));
        return Map.copyOf(values);
    }
}
