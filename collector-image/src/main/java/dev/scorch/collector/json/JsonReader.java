package dev.scorch.collector.json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON text (RFC 8259) into {@link JsonValue} trees: one whole document with {@link
 * #parse}, or the values of a stream one at a time with {@link #next} (a Kubernetes watch sends
 * one event object after another on one connection; each is returned as soon as its closing
 * brace arrives, without waiting for, or buffering, the rest). Strict: anything that is not JSON
 * - a trailing comma, a comment, a single quote, a duplicate member name, invalid UTF-8 - is a
 * {@link JsonParseException} naming the line, column and path; so is a document past its {@link
 * JsonLimits}.
 *
 * <p>Not thread-safe; a stream reader belongs to the thread reading the connection, and after an
 * exception it is done (the caller reconnects).
 */
public final class JsonReader {

    private final JsonInput in;
    private final JsonStrings strings;
    private final JsonNumbers numbers;
    private final JsonPath path;
    private final JsonLimits limits;
    private int values;

    private JsonReader(JsonInput in, JsonPath path, JsonLimits limits) {
        this.in = in;
        this.path = path;
        this.limits = limits;
        this.strings = new JsonStrings(in, limits.maxStringChars());
        this.numbers = new JsonNumbers(in);
    }

    /** The one JSON value in {@code bytes} (UTF-8); whitespace around it is allowed, anything else is an error. */
    public static JsonValue parse(byte[] bytes, JsonLimits limits) throws JsonParseException {
        JsonPath path = new JsonPath(limits.maxDepth());
        JsonReader reader = new JsonReader(new JsonInput(bytes, bytes.length, limits.maxDocumentBytes(), path), path, limits);
        try {
            return reader.document();
        } catch (JsonParseException e) {
            throw e;
        } catch (IOException impossible) {
            throw new IllegalStateException("reading a byte array cannot fail", impossible);
        }
    }

    public static JsonValue parse(String text, JsonLimits limits) throws JsonParseException {
        return parse(text.getBytes(StandardCharsets.UTF_8), limits);
    }

    /** A reader of the values that follow each other on {@code stream} (whitespace between them optional); it does not close the stream. */
    public static JsonReader streaming(InputStream stream, JsonLimits limits) {
        JsonPath path = new JsonPath(limits.maxDepth());
        return new JsonReader(new JsonInput(stream, limits.maxDocumentBytes(), path), path, limits);
    }

    /**
     * The stream's next value, read up to its last byte and no further; null when the stream ends
     * between values. The limits apply to each value on its own.
     */
    public JsonValue next() throws IOException {
        in.startDocument();
        values = 0;
        int c = in.skipWhitespace();
        return c < 0 ? null : value(c);
    }

    private JsonValue document() throws IOException {
        in.startDocument();
        int c = in.skipWhitespace();
        if (c < 0) {
            throw in.error("expected a value, found the end of the input (the document is empty)");
        }
        JsonValue value = value(c);
        c = in.skipWhitespace();
        if (c >= 0) {
            throw in.error("expected the end of the input after the value, found " + JsonInput.describe(c));
        }
        return value;
    }

    /** The value starting with {@code c}, which is not taken yet. */
    private JsonValue value(int c) throws IOException {
        if (++values > limits.maxValues()) {
            throw in.error("more than " + limits.maxValues() + " values in one document");
        }
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                in.position++;
                return JsonString.of(strings.string());
            case 't':
                literal("true");
                return JsonBoolean.TRUE;
            case 'f':
                literal("false");
                return JsonBoolean.FALSE;
            case 'n':
                literal("null");
                return JsonNull.NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return numbers.number();
                }
                throw in.error("expected a value, found " + JsonInput.describe(c));
        }
    }

    private JsonObject object() throws IOException {
        enter();
        int c = in.skipWhitespace();
        if (c == '}') {
            in.position++;
            path.leave();
            return JsonObject.EMPTY;
        }
        Map<String, JsonValue> members = new LinkedHashMap<>();
        while (true) {
            if (c != '"') {
                throw in.error("expected a member name in double quotes, found " + JsonInput.describe(c));
            }
            in.position++;
            String name = strings.name();
            if (members.containsKey(name)) {
                throw in.error("duplicate member \"" + name + "\"");
            }
            path.name(name);
            c = in.skipWhitespace();
            if (c != ':') {
                throw in.error("expected ':' after the member name, found " + JsonInput.describe(c));
            }
            in.position++;
            members.put(name, value(in.skipWhitespace()));
            c = in.skipWhitespace();
            if (c == '}') {
                in.position++;
                break;
            }
            if (c != ',') {
                throw in.error("expected ',' or '}' after a member, found " + JsonInput.describe(c));
            }
            in.position++;
            c = in.skipWhitespace();
        }
        path.leave();
        return JsonObject.wrap(members);
    }

    private JsonArray array() throws IOException {
        enter();
        int c = in.skipWhitespace();
        if (c == ']') {
            in.position++;
            path.leave();
            return JsonArray.EMPTY;
        }
        List<JsonValue> elements = new ArrayList<>();
        while (true) {
            path.index(elements.size());
            elements.add(value(c));
            c = in.skipWhitespace();
            if (c == ']') {
                in.position++;
                break;
            }
            if (c != ',') {
                throw in.error("expected ',' or ']' after an element, found " + JsonInput.describe(c));
            }
            in.position++;
            c = in.skipWhitespace();
        }
        path.leave();
        return JsonArray.wrap(elements);
    }

    /** Takes the opening bracket and descends one level, within the depth bound. */
    private void enter() throws JsonParseException {
        if (path.depth() == limits.maxDepth()) {
            throw in.error("nested deeper than " + limits.maxDepth() + " levels");
        }
        in.position++;
        path.enter();
    }

    /** The literal {@code word} ({@code true}, {@code false}, {@code null}), none of it taken yet. */
    private void literal(String word) throws IOException {
        for (int i = 0; i < word.length(); i++) {
            int c = in.peek();
            if (c != word.charAt(i)) {
                throw in.error("expected the literal " + word + ", found " + JsonInput.describe(c));
            }
            in.position++;
        }
    }
}
