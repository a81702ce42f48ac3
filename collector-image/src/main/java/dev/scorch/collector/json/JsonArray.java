package dev.scorch.collector.json;

import java.util.Collections;
import java.util.List;

/** A JSON array: an immutable list of values. */
public final class JsonArray implements JsonValue {

    static final JsonArray EMPTY = new JsonArray(List.of());

    private final List<JsonValue> elements;

    /** Trusts {@code elements} to be unmodifiable (the reader's own list): no copy per array of a large document. */
    JsonArray(List<JsonValue> elements) {
        this.elements = elements;
    }

    public static JsonArray of(List<? extends JsonValue> elements) {
        return new JsonArray(List.copyOf(elements));
    }

    public static JsonArray of(JsonValue... elements) {
        return new JsonArray(List.of(elements));
    }

    static JsonArray wrap(List<JsonValue> elements) {
        return elements.isEmpty() ? EMPTY : new JsonArray(Collections.unmodifiableList(elements));
    }

    @Override
    public List<JsonValue> elements() {
        return elements;
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
