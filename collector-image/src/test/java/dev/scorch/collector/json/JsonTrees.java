package dev.scorch.collector.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test objects written as Java maps and lists ({@code Map.of("metadata", Map.of("name", "shop"))}) as JSON trees. */
public final class JsonTrees {

    private JsonTrees() {}

    public static JsonValue from(Object value) {
        return switch (value) {
            case null -> JsonNull.NULL;
            case JsonValue json -> json;
            case String text -> JsonString.of(text);
            case Boolean bool -> JsonBoolean.of(bool);
            case Integer number -> JsonNumber.of(number);
            case Long number -> JsonNumber.of(number);
            case BigDecimal number -> JsonNumber.of(number);
            case Map<?, ?> map -> {
                JsonObject.Builder object = JsonObject.builder();
                map.forEach((name, member) -> object.put((String) name, from(member)));
                yield object.build();
            }
            case List<?> list -> {
                List<JsonValue> elements = new ArrayList<>();
                list.forEach(element -> elements.add(from(element)));
                yield JsonArray.of(elements);
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass());
        };
    }
}
