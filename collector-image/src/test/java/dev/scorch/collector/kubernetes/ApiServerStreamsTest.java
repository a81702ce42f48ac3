package dev.scorch.collector.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.http.ScriptedServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The API client's watch streams on the wire, against a scripted loopback server (the real API
 * server's watches are covered by the tier-3 tests): a silent stream fails after its quiet limit,
 * and a watch the server ended leaves its connection for the next request.
 */
class ApiServerStreamsTest {

    private static final String EVENT = "{\"type\":\"ADDED\",\"object\":{}}\n";
    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static ApiServer api(ScriptedServer server) throws Exception {
        return new ApiServer(URI.create(server.url("").toString()), SSLContext.getDefault(), () -> "token");
    }

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    @Test
    void aWatchThatSendsNothingForItsQuietLimitFailsTheRead() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write(CHUNKED_HEAD + chunk(EVENT));
            Thread.sleep(30_000);
        }); InputStream events = api(server).watch("/api/v1/pods?watch=1", Duration.ofMillis(300))) {
            assertThat(new String(events.readNBytes(EVENT.length()), StandardCharsets.UTF_8)).isEqualTo(EVENT);

            assertThatThrownBy(events::read).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("sent nothing for 300 ms");
        }
    }

    @Test
    void aWatchTheServerEndedLeavesItsConnectionForTheNextRequest() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write(CHUNKED_HEAD + chunk(EVENT) + "0\r\n\r\n");
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            connection.read();
        })) {
            ApiServer api = api(server);
            try (InputStream events = api.watch("/api/v1/pods?watch=1", Duration.ofSeconds(10))) {
                assertThat(new String(events.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(EVENT);
            }

            api.get("/api/v1/pods");

            assertThat(server.connections()).isEqualTo(1);
            assertThat(server.requests).extracting(ScriptedServer.Request::line)
                    .containsExactly("GET /api/v1/pods?watch=1 HTTP/1.1", "GET /api/v1/pods HTTP/1.1");
            assertThat(server.requests.getLast().header("Authorization")).isEqualTo("Bearer token");
        }
    }

    @Test
    void closingAWatchFromAnotherThreadEndsItsRead() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write(CHUNKED_HEAD);
            Thread.sleep(30_000);
        })) {
            InputStream events = api(server).watch("/api/v1/pods?watch=1", Duration.ofSeconds(60));
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(200);
                    events.close();
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThatThrownBy(events::read).isInstanceOf(IOException.class);
        }
    }
}
