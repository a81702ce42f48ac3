package dev.scorch.collector.json;

import java.util.List;
import java.util.Map;

/**
 * One JSON value (RFC 8259), immutable: what {@link JsonReader} returns and {@link JsonWriter}
 * writes. The collector reads a handful of fields from Kubernetes objects and collector.json, so
 * a small tree with typed accessors replaces a data-binding library and its few hundred classes.
 *
 * <p>The lenient accessors ({@link #member}, {@link #elements}, {@link #stringOr}...) answer a
 * fallback when the value has another type, so reading an API object of an unexpected shape
 * degrades to "field absent" instead of an exception. Code that must refuse a wrong type (the
 * configuration) matches on the record types instead.
 */
public sealed interface JsonValue permits JsonObject, JsonArray, JsonString, JsonNumber, JsonBoolean, JsonNull {

    /** The member {@code name} of an object; {@link JsonNull#NULL} when absent or when this is not an object. */
    default JsonValue member(String name) {
        return JsonNull.NULL;
    }

    /** An object's members in document order; empty for any other value. */
    default Map<String, JsonValue> members() {
        return Map.of();
    }

    /** An array's elements; empty for any other value. */
    default List<JsonValue> elements() {
        return List.of();
    }

    /** A string's value; {@code fallback} for any other value. */
    default String stringOr(String fallback) {
        return fallback;
    }

    /** A number's value when it is a whole number that fits a long; {@code fallback} otherwise. */
    default long longOr(long fallback) {
        return fallback;
    }

    /** A boolean's value; {@code fallback} for any other value. */
    default boolean booleanOr(boolean fallback) {
        return fallback;
    }

    /** Null, or a member that is absent: the collector treats both alike, as the operator renders unset options as null. */
    default boolean isNull() {
        return false;
    }
}
