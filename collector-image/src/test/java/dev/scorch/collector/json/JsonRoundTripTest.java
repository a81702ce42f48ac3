package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random trees, seeded (a failure repeats with its seed), written by a deliberately plain
 * reference writer that makes every choice JSON allows - whitespace anywhere, any character
 * escaped or not, surrogate pairs as two escapes - and read back; and written by {@link
 * JsonWriter} and compared with the reference's one minimal form.
 */
class JsonRoundTripTest {

    private static final int TREES = 2_000;

    @Test
    void everyWayOfWritingATreeReadsBackAsThatTree() throws JsonParseException {
        Random random = new Random(14);
        for (int i = 0; i < TREES; i++) {
            JsonValue tree = tree(random, 0);
            String text = new ReferenceWriter(random, true).write(tree);

            assertThat(JsonReader.parse(text, JsonReaderTest.LIMITS)).as("tree %d from %s", i, text).isEqualTo(tree);
        }
    }

    @Test
    void theWriterWritesTheMinimalFormAndReadsBack() throws JsonParseException {
        Random random = new Random(1414);
        for (int i = 0; i < TREES; i++) {
            JsonValue tree = tree(random, 0);
            String written = JsonWriter.write(tree);

            assertThat(written).as("tree %d", i).isEqualTo(new ReferenceWriter(random, false).write(tree));
            assertThat(JsonReader.parse(written, JsonReaderTest.LIMITS)).as("tree %d", i).isEqualTo(tree);
        }
    }

    @Test
    void aStreamOfRandomTreesReadsBackTreeByTree() throws IOException {
        Random random = new Random(141414);
        List<JsonValue> trees = new ArrayList<>();
        StringBuilder stream = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            JsonValue tree = tree(random, 0);
            trees.add(tree);
            stream.append(new ReferenceWriter(random, true).write(tree)).append(random.nextBoolean() ? "\n" : " ");
        }
        JsonReader reader = JsonReader.streaming(new ByteArrayInputStream(stream.toString().getBytes(StandardCharsets.UTF_8)),
                JsonReaderTest.LIMITS);

        for (JsonValue tree : trees) {
            assertThat(reader.next()).isEqualTo(tree);
        }
        assertThat(reader.next()).isNull();
    }

    static JsonValue tree(Random random, int depth) {
        int kind = random.nextInt(depth > 5 ? 5 : 7);
        return switch (kind) {
            case 0 -> JsonNull.NULL;
            case 1 -> JsonBoolean.of(random.nextBoolean());
            case 2 -> JsonString.of(string(random));
            case 3 -> JsonNumber.of(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(2000) - 1000);
            case 4 -> JsonNumber.of(new BigDecimal(new BigInteger(1 + random.nextInt(80), random).subtract(BigInteger.TEN),
                    random.nextInt(40) - 20));
            case 5 -> {
                List<JsonValue> elements = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    elements.add(tree(random, depth + 1));
                }
                yield JsonArray.of(elements);
            }
            default -> {
                JsonObject.Builder object = JsonObject.builder();
                Map<String, Boolean> names = new LinkedHashMap<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    String name = string(random);
                    if (names.putIfAbsent(name, true) == null) {
                        object.put(name, tree(random, depth + 1));
                    }
                }
                yield object.build();
            }
        };
    }

    /** Valid Unicode: ASCII including what must be escaped, Latin-1, BMP outside the surrogates, and beyond the BMP. */
    static String string(Random random) {
        StringBuilder out = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            int codePoint = switch (random.nextInt(5)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> "\"\\/\b\f\n\r\t".charAt(random.nextInt(8));
                case 2 -> 0x80 + random.nextInt(0x780);
                case 3 -> {
                    int c = 0x800 + random.nextInt(0x10000 - 0x800);
                    yield Character.isSurrogate((char) c) ? 'x' : c;
                }
                default -> 0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1);
            };
            out.appendCodePoint(codePoint);
        }
        return out.toString();
    }

    /** Writes a tree either in its one minimal compact form or, {@code varied}, with random whitespace and escapes. */
    private record ReferenceWriter(Random random, boolean varied) {

        String write(JsonValue value) {
            StringBuilder out = new StringBuilder();
            value(value, out);
            return out.toString();
        }

        private void value(JsonValue value, StringBuilder out) {
            space(out);
            if (value instanceof JsonObject object) {
                out.append('{');
                space(out);
                String separator = "";
                for (Map.Entry<String, JsonValue> member : object.members().entrySet()) {
                    out.append(separator);
                    space(out);
                    string(member.getKey(), out);
                    space(out);
                    out.append(':');
                    value(member.getValue(), out);
                    separator = ",";
                }
                out.append('}');
            } else if (value instanceof JsonArray array) {
                out.append('[');
                space(out);
                String separator = "";
                for (JsonValue element : array.elements()) {
                    out.append(separator);
                    value(element, out);
                    separator = ",";
                }
                out.append(']');
            } else if (value instanceof JsonString string) {
                string(string.value(), out);
            } else if (value instanceof JsonNumber number) {
                out.append(varied && random.nextBoolean() ? number.value().toString().replace('E', 'e') : number.value().toString());
            } else {
                out.append(value == JsonNull.NULL ? "null" : value == JsonBoolean.TRUE ? "true" : "false");
            }
            space(out);
        }

        private void string(String value, StringBuilder out) {
            out.append('"');
            boolean escapeLow = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                boolean required = c < 0x20 || c == '"' || c == '\\';
                // A pair is escaped as two escapes or written as one code point, never half and half.
                boolean escape = Character.isLowSurrogate(c) ? escapeLow : varied && (required || random.nextInt(4) == 0);
                escapeLow = Character.isHighSurrogate(c) && escape;
                if (escape) {
                    out.append(random.nextBoolean() ? String.format("\\u%04x", (int) c) : String.format("\\u%04X", (int) c));
                } else if (required) {
                    int shortForm = "\"\\\b\f\n\r\t".indexOf(c);
                    out.append(shortForm >= 0 ? "\\" + "\"\\bfnrt".charAt(shortForm) : String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        }

        private void space(StringBuilder out) {
            if (varied) {
                for (int i = random.nextInt(3); i > 0; i--) {
                    out.append(" \t\r\n".charAt(random.nextInt(4)));
                }
            }
        }
    }
}
