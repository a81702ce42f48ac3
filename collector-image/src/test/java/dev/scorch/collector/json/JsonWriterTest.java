package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The writer's compact text: what it escapes, and how it writes numbers and member order. */
class JsonWriterTest {

    @Test
    void writesMembersInTheOrderTheyWereGiven() {
        JsonObject patch = JsonObject.builder().put("type", "scorch.dev/Collecting").put("status", "True").build();

        assertThat(JsonWriter.write(patch)).isEqualTo("{\"type\":\"scorch.dev/Collecting\",\"status\":\"True\"}");
    }

    @Test
    void writesNestedValuesCompactly() {
        JsonValue value = JsonObject.builder().put("a", JsonArray.of(JsonNumber.of(1), JsonBoolean.TRUE, JsonNull.NULL, JsonObject.builder().build()))
                .build();

        assertThat(JsonWriter.write(value)).isEqualTo("{\"a\":[1,true,null,{}]}");
    }

    @Test
    void escapesQuoteBackslashAndControlCharacters() {
        assertThat(JsonWriter.write(JsonString.of("\"\\\n\r\t\b\f\u0001\u001f"))).isEqualTo("\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\"");
    }

    @Test
    void leavesSlashNonAsciiAndDeleteAsTheyAre() {
        assertThat(JsonWriter.write(JsonString.of("a/b \u00e9 \u007f \uD83D\uDD25"))).isEqualTo("\"a/b \u00e9 \u007f \uD83D\uDD25\"");
    }

    @Test
    void replacesAnUnpairedSurrogateWithTheReplacementCharacter() {
        assertThat(JsonWriter.write(JsonString.of("a\uD83Db\uDD25"))).isEqualTo("\"a\uFFFDb\uFFFD\"");
    }

    @Test
    void aStringForAScriptElementEscapesWhatCouldEndTheElementOrTheString() throws JsonParseException {
        StringBuilder out = new StringBuilder();
        JsonWriter.stringForScript("</script>&\u2028\u2029\"", out);
        assertThat(out).hasToString("\"\\u003c/script\\u003e\\u0026\\u2028\\u2029\\\"\"");
        assertThat(JsonReader.parse(out.toString(), new JsonLimits(4, 64, 1024, 16))).isEqualTo(JsonString.of("</script>&\u2028\u2029\""));
    }

    @Test
    void writesNumbersExactly() {
        assertThat(JsonWriter.write(JsonNumber.of(Long.MIN_VALUE))).isEqualTo("-9223372036854775808");
        assertThat(JsonWriter.write(JsonNumber.of(new BigDecimal("0.10")))).isEqualTo("0.10");
        assertThat(JsonWriter.write(JsonNumber.of(new BigDecimal("1E+3")))).isEqualTo("1E+3");
    }

    @Test
    void aBuilderRefusesANameGivenTwice() {
        JsonObject.Builder builder = JsonObject.builder().put("a", "1");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.put("a", "2")).isInstanceOf(IllegalArgumentException.class);
    }
}
