package dev.scorch.collector.json;

import java.util.Objects;

/** A JSON string; {@code value} is any Java string (the writer replaces unpaired surrogates). */
public record JsonString(String value) implements JsonValue {

    public JsonString {
        Objects.requireNonNull(value, "value");
    }

    public static JsonString of(String value) {
        return new JsonString(value);
    }

    @Override
    public String stringOr(String fallback) {
        return value;
    }
}
