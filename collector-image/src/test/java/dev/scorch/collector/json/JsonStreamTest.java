package dev.scorch.collector.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Values that follow each other on a stream (a watch connection) are read one at a time. */
class JsonStreamTest {

    private static JsonReader reader(String text) {
        return JsonReader.streaming(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), JsonReaderTest.LIMITS);
    }

    @Test
    void readsNewlineSeparatedValuesInOrderThenNull() throws IOException {
        JsonReader reader = reader("{\"type\":\"ADDED\"}\n{\"type\":\"DELETED\"}\n");

        assertThat(reader.next().member("type").stringOr(null)).isEqualTo("ADDED");
        assertThat(reader.next().member("type").stringOr(null)).isEqualTo("DELETED");
        assertThat(reader.next()).isNull();
    }

    @Test
    void readsValuesWithNothingBetweenThem() throws IOException {
        JsonReader reader = reader("{\"a\":1}{\"a\":2}[3]");

        assertThat(reader.next().member("a").longOr(0)).isEqualTo(1);
        assertThat(reader.next().member("a").longOr(0)).isEqualTo(2);
        assertThat(reader.next().elements()).hasSize(1);
    }

    @Test
    void anEmptyStreamHasNoValue() throws IOException {
        assertThat(reader("  \n").next()).isNull();
    }

    @Test
    void aValueCutOffByTheEndOfTheStreamIsAnError() throws IOException {
        JsonReader reader = reader("{\"type\":\"ADDED\"}\n{\"type\":\"MOD");

        reader.next();

        assertThatThrownBy(reader::next).isInstanceOf(JsonParseException.class).hasMessageContaining("the input ends inside a string");
    }

    @Test
    void aValueIsReturnedBeforeTheNextOneArrives() throws Exception {
        PipedOutputStream server = new PipedOutputStream();
        InputStream connection = new PipedInputStream(server, 1 << 16);
        BlockingQueue<JsonValue> events = new ArrayBlockingQueue<>(4);
        Thread watcher = Thread.ofVirtual().start(() -> {
            try {
                JsonReader reader = JsonReader.streaming(connection, JsonReaderTest.LIMITS);
                JsonValue event;
                while ((event = reader.next()) != null) {
                    events.add(event);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        server.write("{\"type\":\"ADDED\"}".getBytes(StandardCharsets.UTF_8));
        server.flush();

        assertThat(events.poll(10, TimeUnit.SECONDS)).isNotNull().extracting(e -> e.member("type").stringOr(null)).isEqualTo("ADDED");
        server.close();
        watcher.join();
    }

    @Test
    void valuesSpanningManyReadsAreReadWhole() throws IOException {
        String big = "{\"s\":\"" + "\u00e9\u20ac\uD83D\uDD25\\n".repeat(5000) + "\"}";
        InputStream trickle = new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 3));
            }
        };

        JsonValue value = JsonReader.streaming(trickle, JsonReaderTest.LIMITS).next();

        assertThat(value.member("s").stringOr("")).isEqualTo("\u00e9\u20ac\uD83D\uDD25\n".repeat(5000));
    }

    @Test
    void errorsCountLinesAcrossValues() throws IOException {
        JsonReader reader = reader("{}\n{}\n{\"a\" 1}");
        reader.next();
        reader.next();

        assertThatThrownBy(reader::next).isInstanceOf(JsonParseException.class).hasMessageStartingWith("line 3, column 6");
    }
}
