package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** A hostile document costs at most what its {@link JsonLimits} allow, and is refused past them. */
class JsonLimitsTest {

    private static final JsonLimits SMALL = new JsonLimits(8, 16, 256, 20);

    @Test
    void nestingDeeperThanTheBoundIsRefusedWithoutAStackOverflow() {
        String deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);

        assertThatThrownBy(() -> JsonReader.parse(deep, new JsonLimits(100, 1 << 20, 4 << 20, 1_000_000)))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("nested deeper than 100 levels");
    }

    @Test
    void nestingAtTheBoundIsRead() throws Exception {
        assertThat(JsonReader.parse("[".repeat(8) + "]".repeat(8), SMALL)).isNotNull();
    }

    @Test
    void aStringLongerThanTheBoundIsRefused() {
        assertThatThrownBy(() -> JsonReader.parse("\"" + "a".repeat(17) + "\"", SMALL))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("string longer than 16 characters");
    }

    @Test
    void aStringWithEscapesLongerThanTheBoundIsRefused() {
        assertThatThrownBy(() -> JsonReader.parse("\"" + "\\n".repeat(17) + "\"", SMALL))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("string longer than 16 characters");
    }

    @Test
    void aMemberNameLongerThanTheBoundIsRefused() {
        assertThatThrownBy(() -> JsonReader.parse("{\"" + "a".repeat(17) + "\":1}", SMALL))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("string longer than 16 characters");
    }

    @Test
    void aDocumentLargerThanTheBoundIsRefusedBeforeReading() {
        assertThatThrownBy(() -> JsonReader.parse(" ".repeat(300) + "1", SMALL))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("document larger than 256 bytes");
    }

    @Test
    void moreValuesThanTheBoundAreRefused() {
        assertThatThrownBy(() -> JsonReader.parse("[" + "{},".repeat(20) + "{}]", SMALL))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("more than 20 values in one document");
    }

    @Test
    void aNumberLongerThan256CharactersIsRefused() {
        assertThatThrownBy(() -> JsonReader.parse("9".repeat(257), JsonReaderTest.LIMITS))
                .isInstanceOf(JsonParseException.class).hasMessageContaining("number longer than 256 characters");
    }

    @Test
    void anEndlessStreamValueIsRefusedAfterTheByteBound() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return '[';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) ' ');
                return len;
            }
        };
        JsonReader reader = JsonReader.streaming(endless, new JsonLimits(8, 16, 64 << 10, 20));

        assertThatThrownBy(reader::next).isInstanceOf(JsonParseException.class).hasMessageContaining("document larger than 65536 bytes");
    }

    @Test
    void theStreamBoundsApplyToEachValueOnItsOwn() throws IOException {
        String event = "{\"type\":\"MODIFIED\",\"object\":{\"n\":\"" + "x".repeat(16) + "\"}}\n";
        JsonReader reader = JsonReader.streaming(new ByteArrayInputStream(event.repeat(1000).getBytes()), new JsonLimits(8, 16, 256, 4));

        int read = 0;
        while (reader.next() != null) {
            read++;
        }

        assertThat(read).isEqualTo(1000);
    }
}
