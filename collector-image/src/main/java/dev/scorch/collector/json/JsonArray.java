package dev.scorch.collector.json;

import java.util.Collections;
import java.util.List;

/** A JSON array: an immutable list of values. */
public final class JsonArray implements JsonValue {

    static final JsonArray EMPTY = new JsonArray(List.of());

    private final List<JsonValue> elements;

    /** Takes {@code elements} as they are (the reader's own list, never handed out modifiable): no copy per array of a large document. */
    private JsonArray(List<JsonValue> elements) {
        this.elements = elements;
    }

    public static JsonArray of(List<? extends JsonValue> elements) {
        return new JsonArray(List.copyOf(elements));
    }

    public static JsonArray of(JsonValue... elements) {
        return new JsonArray(List.of(elements));
    }

    static JsonArray wrap(List<JsonValue> elements) {
        return elements.isEmpty() ? EMPTY : new JsonArray(elements);
    }

    @Override
    public List<JsonValue> elements() {
        return Collections.unmodifiableList(elements);
    }

    public int size() {
        return elements.size();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonArray array && elements.equals(array.elements);
    }

    @Override
    public int hashCode() {
        return elements.hashCode();
    }

    @Override
    public String toString() {
        return JsonWriter.write(this);
    }
}
