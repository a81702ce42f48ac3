package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the reader makes of valid JSON text (RFC 8259). */
class JsonReaderTest {

    static final JsonLimits LIMITS = new JsonLimits(64, 1 << 20, 1 << 20, 100_000);

    static JsonValue read(String text) throws JsonParseException {
        return JsonReader.parse(text, LIMITS);
    }

    @Test
    void readsTheLiterals() throws Exception {
        assertThat(read("true")).isEqualTo(JsonBoolean.TRUE);
        assertThat(read("false")).isEqualTo(JsonBoolean.FALSE);
        assertThat(read("null")).isEqualTo(JsonNull.NULL);
    }

    @Test
    void readsAnyValueAtTheTopLevelNotOnlyObjects() throws Exception {
        assertThat(read("\"text\"")).isEqualTo(JsonString.of("text"));
        assertThat(read("42")).isEqualTo(JsonNumber.of(42));
    }

    @Test
    void allowsTheFourWhitespaceCharactersAroundEveryToken() throws Exception {
        assertThat(read(" \t\r\n{ \"a\" \n:\t[ 1 ,\r\n2 ] } \n")).isEqualTo(read("{\"a\":[1,2]}"));
    }

    @Test
    void keepsMembersInDocumentOrder() throws Exception {
        assertThat(read("{\"z\":1,\"a\":2,\"m\":3}").members().keySet()).containsExactly("z", "a", "m");
    }

    @Test
    void readsNestedObjectsAndArrays() throws Exception {
        JsonValue value = read("{\"a\":{\"b\":[{\"c\":[]},{}]}}");

        assertThat(value.member("a").member("b").elements()).hasSize(2);
        assertThat(value.member("a").member("b").elements().getFirst().member("c")).isEqualTo(JsonArray.of());
    }

    @Test
    void readsEveryShortEscape() throws Exception {
        assertThat(read("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"").stringOr(null)).isEqualTo("\" \\ / \b \f \n \r \t");
    }

    @Test
    void readsUnicodeEscapesInEitherCase() throws Exception {
        assertThat(read("\"\\u00e9\\u00C9\\u0000\"").stringOr(null)).isEqualTo("\u00e9\u00c9\u0000");
    }

    @Test
    void readsASurrogatePairEscapeAsOneCodePoint() throws Exception {
        String value = read("\"\\ud83d\\udd25\"").stringOr(null);

        assertThat(value.codePoints().toArray()).containsExactly(0x1F525);
    }

    @Test
    void readsMultiByteUtf8OfEveryLength() throws Exception {
        String text = "\"\u00e9 \u20ac \uD83D\uDD25\"";

        assertThat(JsonReader.parse(text.getBytes(StandardCharsets.UTF_8), LIMITS).stringOr(null)).isEqualTo("\u00e9 \u20ac \uD83D\uDD25");
    }

    @Test
    void readsStringsThatMixEscapesAndUtf8() throws Exception {
        assertThat(read("\"caf\u00e9\\n\\u00e9t\u00e9\"").stringOr(null)).isEqualTo("caf\u00e9\n\u00e9t\u00e9");
    }

    @Test
    void readsAWholeNumberAsALong() throws Exception {
        JsonNumber number = (JsonNumber) read("-9223372036854775808");

        assertThat(number.wholeValue()).hasValue(Long.MIN_VALUE);
    }

    @Test
    void keepsAFractionExact() throws Exception {
        assertThat(((JsonNumber) read("0.1")).value()).isEqualTo(new BigDecimal("0.1"));
    }

    @Test
    void keepsAWholeNumberBeyondALongExactButNotAsALong() throws Exception {
        JsonNumber number = (JsonNumber) read("12345678901234567890123");

        assertThat(number.value()).isEqualTo(new BigDecimal("12345678901234567890123"));
        assertThat(number.wholeValue()).isEmpty();
    }

    @Test
    void readsExponentsInEveryForm() throws Exception {
        assertThat(((JsonNumber) read("1e2")).wholeValue()).hasValue(100);
        assertThat(((JsonNumber) read("1E+2")).wholeValue()).hasValue(100);
        assertThat(((JsonNumber) read("-2.5e-1")).value()).isEqualByComparingTo("-0.25");
    }

    @Test
    void treatsAWholeValueWrittenWithAFractionAsWhole() throws Exception {
        assertThat(((JsonNumber) read("19.0")).wholeValue()).hasValue(19);
        assertThat(((JsonNumber) read("19.5")).wholeValue()).isEmpty();
    }

    @Test
    void answersHugeExponentsWithoutExpandingThem() throws Exception {
        assertThat(((JsonNumber) read("1e999999999")).wholeValue()).isEmpty();
        assertThat(((JsonNumber) read("1e-999999999")).wholeValue()).isEmpty();
        assertThat(((JsonNumber) read("1e999999999")).doubleValue()).isInfinite();
    }

    @Test
    void readsNegativeZeroAsZero() throws Exception {
        assertThat(((JsonNumber) read("-0")).wholeValue()).hasValue(0);
    }

    @Test
    void lenientAccessorsAnswerTheFallbackForAnotherType() throws Exception {
        JsonValue pod = read("{\"name\":7,\"labels\":\"x\",\"ready\":\"yes\"}");

        assertThat(pod.member("name").stringOr("?")).isEqualTo("?");
        assertThat(pod.member("labels").members()).isEmpty();
        assertThat(pod.member("labels").elements()).isEmpty();
        assertThat(pod.member("ready").booleanOr(false)).isFalse();
        assertThat(pod.member("absent").member("deeper").longOr(-1)).isEqualTo(-1);
        assertThat(pod.member("absent").isNull()).isTrue();
    }

    @Test
    void aMemberNameRepeatedInADocumentIsOneString() throws Exception {
        List<JsonValue> pods = read("[{\"metadata\":1},{\"metadata\":2}]").elements();

        assertThat(pods.get(0).members().keySet().iterator().next()).isSameAs(pods.get(1).members().keySet().iterator().next());
    }

    @Test
    void moreDistinctMemberNamesThanTheReaderKeepsAreAllRead() throws Exception {
        StringBuilder object = new StringBuilder("{");
        for (int i = 0; i < 5000; i++) {
            object.append(i == 0 ? "" : ",").append("\"name-").append(i).append("\":").append(i);
        }

        JsonValue value = read(object.append('}').toString());

        assertThat(value.members()).hasSize(5000);
        assertThat(value.member("name-4999").longOr(-1)).isEqualTo(4999);
    }

    @Test
    void sharesNothingBetweenEqualDocuments() throws Exception {
        assertThat(read("[1,[2]]")).isEqualTo(JsonArray.of(JsonNumber.of(1), JsonArray.of(List.of(JsonNumber.of(2)))));
    }
}
