package dev.scorch.collector.config;

import dev.scorch.collector.json.JsonArray;
import dev.scorch.collector.json.JsonBoolean;
import dev.scorch.collector.json.JsonNumber;
import dev.scorch.collector.json.JsonObject;
import dev.scorch.collector.json.JsonString;
import dev.scorch.collector.json.JsonValue;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A position in collector.json: a JSON node and the dotted path that reached it, so every error
 * names the field the way the admin would look it up ({@code export.backends[1].parca.address}).
 * Absent fields and JSON {@code null} are treated alike, as the operator renders unset options as
 * {@code null}.
 *
 * <p>One file past the usual size: one typed reader per kind of field, each checking its value and
 * naming the same path in its error; apart, each kind would repeat the path and the error wording.
 */
final class ConfigNode {

    private final String file;
    private final String path;
    private final JsonValue node;

    ConfigNode(String file, String path, JsonValue node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    boolean present() {
        return !node.isNull();
    }

    boolean isObject() {
        return node instanceof JsonObject;
    }

    boolean has(String field) {
        return child(field).present();
    }

    ConfigNode child(String field) {
        return new ConfigNode(file, path.isEmpty() ? field : path + "." + field, node.member(field));
    }

    ConfigNode object(String field) throws ConfigException {
        ConfigNode child = child(field);
        if (child.present() && !child.isObject()) {
            throw child.error("must be an object");
        }
        return child;
    }

    ConfigNode requiredObject(String field) throws ConfigException {
        ConfigNode child = object(field);
        if (!child.present()) {
            throw child.error("required");
        }
        return child;
    }

    String requiredString(String field) throws ConfigException {
        return optionalString(field).orElseThrow(() -> child(field).error("required"));
    }

    Optional<String> optionalString(String field) throws ConfigException {
        ConfigNode child = child(field);
        if (!child.present()) {
            return Optional.empty();
        }
        if (!(child.node instanceof JsonString(String value))) {
            throw child.error("must be a string");
        }
        if (value.isBlank()) {
            throw child.error("must not be empty");
        }
        return Optional.of(value);
    }

    /** A string where empty means something (a toleration's empty key tolerates every key); absent is empty. */
    String stringOrEmpty(String field) throws ConfigException {
        ConfigNode child = child(field);
        if (!child.present()) {
            return "";
        }
        if (!(child.node instanceof JsonString(String value))) {
            throw child.error("must be a string");
        }
        return value;
    }

    boolean optionalBoolean(String field, boolean fallback) throws ConfigException {
        ConfigNode child = child(field);
        if (!child.present()) {
            return fallback;
        }
        if (!(child.node instanceof JsonBoolean value)) {
            throw child.error("must be true or false");
        }
        return value.value();
    }

    long optionalLong(String field, long fallback, long min, long max) throws ConfigException {
        ConfigNode child = child(field);
        if (!child.present()) {
            return fallback;
        }
        if (!(child.node instanceof JsonNumber number)) {
            throw child.error("must be a whole number");
        }
        OptionalLong whole = number.wholeValue();
        if (whole.isEmpty()) {
            boolean fraction = number.value().stripTrailingZeros().scale() > 0;
            throw child.error(fraction ? "must be a whole number, was " + number.value()
                    : "must be between " + min + " and " + max + ", was " + number.value());
        }
        long value = whole.getAsLong();
        if (value < min || value > max) {
            throw child.error("must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    double requiredNumber(String field, double min, double max) throws ConfigException {
        ConfigNode child = child(field);
        if (!child.present()) {
            throw child.error("required");
        }
        if (!(child.node instanceof JsonNumber number)) {
            throw child.error("must be a number");
        }
        double value = number.doubleValue();
        if (!(value >= min && value <= max)) {
            throw child.error("must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    /** A file path: a string that is a valid path on this system (no NUL). */
    Optional<Path> optionalPath(String field) throws ConfigException {
        Optional<String> text = optionalString(field);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (text.get().indexOf('\0') >= 0) {
            throw child(field).error("must not contain a NUL character");
        }
        try {
            return Optional.of(Path.of(text.get()));
        } catch (InvalidPathException e) {
            throw child(field).error("is not a valid path: " + e.getReason());
        }
    }

    Path requiredPath(String field) throws ConfigException {
        return optionalPath(field).orElseThrow(() -> child(field).error("required"));
    }

    /**
     * HTTP headers: names must be HTTP tokens, values must not hold CR, LF, NUL or another control
     * character (tab aside). A refused value is never repeated in the message: it may be a secret.
     */
    Map<String, String> headers(String field) throws ConfigException {
        Map<String, String> headers = stringMap(field);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!HeaderValues.isToken(header.getKey())) {
                throw child(field).error("has a header name that is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)");
            }
            int forbidden = HeaderValues.forbiddenCharacter(header.getValue());
            if (forbidden >= 0) {
                throw child(field).child(header.getKey()).error("must not contain " + HeaderValues.describe(header.getValue(), forbidden)
                        + " (the value is not shown)");
            }
        }
        return headers;
    }

    Map<String, String> stringMap(String field) throws ConfigException {
        ConfigNode child = object(field);
        Map<String, String> values = new LinkedHashMap<>();
        if (!child.present()) {
            return values;
        }
        for (Map.Entry<String, JsonValue> entry : child.node.members().entrySet()) {
            if (!(entry.getValue() instanceof JsonString(String value))) {
                throw child.child(entry.getKey()).error("must be a string");
            }
            values.put(entry.getKey(), value);
        }
        return values;
    }

    List<String> stringList(String field) throws ConfigException {
        List<String> values = new ArrayList<>();
        for (ConfigNode item : list(field)) {
            if (!(item.node instanceof JsonString(String value))) {
                throw item.error("must be a string");
            }
            values.add(value);
        }
        return values;
    }

    List<ConfigNode> list(String field) throws ConfigException {
        ConfigNode child = child(field);
        List<ConfigNode> items = new ArrayList<>();
        if (!child.present()) {
            return items;
        }
        if (!(child.node instanceof JsonArray array)) {
            throw child.error("must be a list");
        }
        for (int i = 0; i < array.size(); i++) {
            items.add(new ConfigNode(file, child.path + "[" + i + "]", array.elements().get(i)));
        }
        return items;
    }

    <T> List<T> objects(String field, Parser<T> parser) throws ConfigException {
        List<T> parsed = new ArrayList<>();
        for (ConfigNode item : list(field)) {
            if (!item.isObject()) {
                throw item.error("must be an object");
            }
            parsed.add(parser.parse(item));
        }
        return parsed;
    }

    <T> Optional<T> optionalObject(String field, Parser<T> parser) throws ConfigException {
        ConfigNode child = object(field);
        return child.present() ? Optional.of(parser.parse(child)) : Optional.empty();
    }

    ConfigException error(String problem) {
        return new ConfigException(file + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }

    String path() {
        return path;
    }

    @FunctionalInterface
    interface Parser<T> {
        T parse(ConfigNode node) throws ConfigException;
    }
}
