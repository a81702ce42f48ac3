package dev.scorch.collector.json;

/** JSON {@code true} and {@code false}. */
public enum JsonBoolean implements JsonValue {
    TRUE,
    FALSE;

    public static JsonBoolean of(boolean value) {
        return value ? TRUE : FALSE;
    }

    public boolean value() {
        return this == TRUE;
    }

    @Override
    public boolean booleanOr(boolean fallback) {
        return value();
    }
}
