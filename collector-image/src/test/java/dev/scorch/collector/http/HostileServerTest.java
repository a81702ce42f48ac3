package dev.scorch.collector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever answers at an address cannot make the client hold a huge answer or head, nor stall its
 * caller beyond the read timeout or the exchange's deadline.
 */
class HostileServerTest {

    private final Http1Client client = new Http1Client(HttpSettings.of(Duration.ofSeconds(5), Duration.ofMillis(500)), null);

    @AfterEach
    void closeClient() {
        client.close();
    }

    private HttpResponse get(ScriptedServer server, Duration deadline) throws Exception {
        return client.send(HttpRequest.get(server.url("/"), Map.of()), deadline);
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitIsRefusedBeforeItIsRead() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
            Thread.sleep(5000);
        }); HttpResponse response = get(server, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> response.readBody(1 << 20)).isInstanceOf(ResponseTooLargeException.class)
                    .hasMessageContaining("1073741824 bytes declared").hasMessageContaining(String.valueOf(1 << 20));
        }
    }

    @Test
    void anEndlessChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            OutputStream out = connection.socket.getOutputStream();
            byte[] chunk = ("4000\r\n" + "x".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            while (true) {
                out.write(chunk);
            }
        }); HttpResponse response = get(server, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> response.readBody(1 << 20)).isInstanceOf(ResponseTooLargeException.class)
                    .hasMessageContaining("more than 1048576 bytes");
        }
    }

    @Test
    void anEndlessHeaderLineIsRefusedAtItsBound() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(1 << 20));
        })) {
            assertThatThrownBy(() -> get(server, Duration.ofSeconds(10))).isInstanceOf(MalformedResponseException.class)
                    .hasMessageContaining("longer than " + ResponseHeadReader.MAX_LINE + " bytes").hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void endlesslyManyHeaderFieldsAreRefusedAtTheirBound() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\n" + "X-Field: 1\r\n".repeat(10_000));
        })) {
            assertThatThrownBy(() -> get(server, Duration.ofSeconds(10))).isInstanceOf(MalformedResponseException.class)
                    .hasMessageContaining(ResponseHeadReader.MAX_FIELDS + " fields");
        }
    }

    @Test
    void aMalformedChunkSizeIsRefused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        }); HttpResponse response = get(server, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> response.readBody(100)).isInstanceOf(MalformedResponseException.class)
                    .hasMessageContaining("chunk size");
        }
    }

    @Test
    void somethingThatIsNotHttpIsRefusedNamingWhatItSent() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("SSH-2.0-OpenSSH_9.6\r\n");
        })) {
            assertThatThrownBy(() -> get(server, Duration.ofSeconds(10))).isInstanceOf(MalformedResponseException.class)
                    .hasMessageContaining("SSH-2.0");
        }
    }

    @Test
    void aServerThatNeverAnswersFailsAfterTheReadTimeout() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            Thread.sleep(30_000);
        })) {
            assertThatThrownBy(() -> get(server, Duration.ofSeconds(30))).isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("127.0.0.1").hasMessageContaining("sent nothing for 500 ms");
        }
    }

    @Test
    void anAnswerTricklingInFasterThanTheReadTimeoutIsCutOffAtTheDeadline() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            while (true) {
                connection.write("{");
                Thread.sleep(100);
            }
        }); HttpResponse response = get(server, Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> response.readBody(1 << 20)).isInstanceOf(DeadlineExceededException.class)
                    .hasMessageContaining("did not answer completely within 1000 ms");
        }
    }

    @Test
    void aServerThatStopsReadingCannotHoldAWritePastTheDeadline() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> Thread.sleep(30_000))) {
            HttpRequest huge = HttpRequest.withBody("POST", server.url("/"), Map.of(), "application/octet-stream", new byte[64 << 20]);

            assertThatThrownBy(() -> client.send(huge, Duration.ofSeconds(1))).isInstanceOf(DeadlineExceededException.class);
        }
    }

    @Test
    void closingTheClientEndsAStreamingReadAtOnce() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n");
            Thread.sleep(30_000);
        })) {
            HttpResponse response = get(server, null);
            response.readTimeout(Duration.ofSeconds(60));
            InputStream body = response.body();
            assertThat(body.readNBytes(2)).containsExactly('{', '}');
            CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    body.read();
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });

            client.close();

            assertThat(reader.get(10, TimeUnit.SECONDS)).isNotNull();
        }
    }
}
