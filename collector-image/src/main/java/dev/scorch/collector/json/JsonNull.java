package dev.scorch.collector.json;

/** JSON {@code null}; also what {@link JsonValue#member} answers for an absent member. */
public enum JsonNull implements JsonValue {
    NULL;

    @Override
    public boolean isNull() {
        return true;
    }
}
