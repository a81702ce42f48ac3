package dev.scorch.collector.json;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes {@link JsonValue} trees as compact JSON text (status patches to the API server) and JSON
 * strings for script elements (the flame graph page). Strings escape what RFC 8259 requires -
 * quote, backslash, control characters - and, inside a script, also what could end the element or
 * the script's string; an unpaired surrogate, which UTF-8 cannot carry, becomes U+FFFD (as Go's
 * encoder does), so the output is always valid UTF-8 and reads back with {@link JsonReader}.
 */
public final class JsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonWriter() {}

    public static String write(JsonValue value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    public static byte[] utf8(JsonValue value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    public static void write(JsonValue value, StringBuilder out) {
        switch (value) {
            case JsonObject object -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonValue> member : object.members().entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(member.getKey(), out);
                    out.append(':');
                    write(member.getValue(), out);
                }
                out.append('}');
            }
            case JsonArray array -> {
                out.append('[');
                boolean first = true;
                for (JsonValue element : array.elements()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(element, out);
                }
                out.append(']');
            }
            case JsonString string -> string(string.value(), out);
            case JsonNumber number -> out.append(number.value().toString());
            case JsonBoolean bool -> out.append(bool.value() ? "true" : "false");
            case JsonNull ignored -> out.append("null");
        }
    }

    /** {@code value} as a JSON string, quotes included. */
    public static void string(String value, StringBuilder out) {
        string(value, out, false);
    }

    /**
     * {@code value} as a JSON string to embed in an HTML script element: {@code <}, {@code >},
     * {@code &} and the JavaScript line separators are escaped too, so no symbol name can close
     * the element or break the string.
     */
    public static void stringForScript(String value, StringBuilder out) {
        string(value, out, true);
    }

    private static void string(String value, StringBuilder out, boolean forScript) {
        out.append('"');
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '<', '>', '&', '\u2028', '\u2029' -> {
                    if (forScript) {
                        unicodeEscape(c, out);
                    } else {
                        out.append(c);
                    }
                }
                default -> {
                    if (c < 0x20) {
                        unicodeEscape(c, out);
                    } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicodeEscape(char c, StringBuilder out) {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }
}
