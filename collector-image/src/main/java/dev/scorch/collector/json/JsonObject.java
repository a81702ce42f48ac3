package dev.scorch.collector.json;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A JSON object: members with unique names, in document order (the writer keeps that order, so
 * a patch reads as it was built).
 */
public final class JsonObject implements JsonValue {

    static final JsonObject EMPTY = new JsonObject(Map.of());

    private final Map<String, JsonValue> members;

    /** Takes {@code members} as they are: the reader's or the builder's own map, never handed out modifiable. */
    private JsonObject(Map<String, JsonValue> members) {
        this.members = members;
    }

    static JsonObject wrap(Map<String, JsonValue> members) {
        return members.isEmpty() ? EMPTY : new JsonObject(members);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public JsonValue member(String name) {
        JsonValue value = members.get(name);
        return value == null ? JsonNull.NULL : value;
    }

    @Override
    public Map<String, JsonValue> members() {
        return Collections.unmodifiableMap(members);
    }

    /** Whether the member is present, even as {@code null}. */
    public boolean has(String name) {
        return members.containsKey(name);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonObject object && members.equals(object.members);
    }

    @Override
    public int hashCode() {
        return members.hashCode();
    }

    @Override
    public String toString() {
        return JsonWriter.write(this);
    }

    /** Builds an object member by member, in the order given; a name given twice is a bug in the caller. */
    public static final class Builder {

        private final Map<String, JsonValue> members = new LinkedHashMap<>();

        private Builder() {}

        public Builder put(String name, JsonValue value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (members.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("member \"" + name + "\" given twice");
            }
            return this;
        }

        public Builder put(String name, String value) {
            return put(name, JsonString.of(value));
        }

        public JsonObject build() {
            return wrap(new LinkedHashMap<>(members));
        }
    }
}
