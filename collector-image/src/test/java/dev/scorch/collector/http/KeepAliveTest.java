package dev.scorch.collector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Persistent connections: reused while the server keeps them, replaced when it closed them while
 * idle, and a request sent again on a new connection only when that cannot do it twice.
 */
class KeepAliveTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Http1Client client = new Http1Client(HttpSettings.of(Duration.ofSeconds(5), Duration.ofSeconds(5)), null);

    @AfterEach
    void closeClient() {
        client.close();
    }

    private static String get(Http1Client client, ScriptedServer server) throws Exception {
        try (HttpResponse response = client.send(HttpRequest.get(server.url("/"), Map.of()), DEADLINE)) {
            return new String(response.readBody(100));
        }
    }

    private static String post(Http1Client client, ScriptedServer server) throws Exception {
        try (HttpResponse response = client.send(HttpRequest.withBody("POST", server.url("/"), Map.of(), "text/plain", new byte[] {'x'}),
                DEADLINE)) {
            return new String(response.readBody(100));
        }
    }

    @Test
    void requestsInTurnShareOneConnection() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            while (connection.read() != null) {
                connection.write(ScriptedServer.ok("answer " + connection.index));
            }
        })) {
            for (int i = 0; i < 5; i++) {
                assertThat(post(client, server)).isEqualTo("answer 0");
            }
            assertThat(server.connections()).isEqualTo(1);
            assertThat(server.requests).hasSize(5);
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedWithoutAFailure() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write(ScriptedServer.ok("answer " + connection.index));
            // closes after one answer although it did not say so: an idle timeout on the server
        })) {
            assertThat(post(client, server)).isEqualTo("answer 0");
            Thread.sleep(200);

            assertThat(post(client, server)).isEqualTo("answer 1");
            assertThat(server.requests).hasSize(2);
        }
    }

    @Test
    void anAnswerWithConnectionCloseIsNotReused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
            Thread.sleep(1000);
        })) {
            get(client, server);
            get(client, server);

            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void anAnswerThatEndsWithTheConnectionIsReadToTheClose() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            connection.read();
            connection.write("HTTP/1.0 200 OK\r\n\r\nall of it");
        })) {
            assertThat(get(client, server)).isEqualTo("all of it");
            assertThat(client.idleConnections()).isZero();
        }
    }

    /** The server reads a second request on a connection, then closes it without answering. */
    private ScriptedServer closingOnTheSecondRequest() throws Exception {
        return new ScriptedServer(connection -> {
            connection.read();
            connection.write(ScriptedServer.ok("first " + connection.index));
            connection.read();
        });
    }

    @Test
    void aPostTheServerReadAndLeftUnansweredIsNotSentAgain() throws Exception {
        try (ScriptedServer server = closingOnTheSecondRequest()) {
            post(client, server);

            assertThatThrownBy(() -> post(client, server)).isInstanceOf(EOFException.class)
                    .hasMessageContaining("127.0.0.1").hasMessageContaining("without answering");
            assertThat(server.requests).hasSize(2);
        }
    }

    @Test
    void aGetTheServerReadAndLeftUnansweredIsSentOnceMoreOnANewConnection() throws Exception {
        try (ScriptedServer server = closingOnTheSecondRequest()) {
            get(client, server);

            assertThat(get(client, server)).isEqualTo("first 1");
            assertThat(server.requests).hasSize(3);
            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void idleConnectionsAreBoundedPerOrigin() throws Exception {
        try (ScriptedServer server = new ScriptedServer(connection -> {
            while (connection.read() != null) {
                connection.write(ScriptedServer.ok("ok"));
            }
        })) {
            HttpResponse[] open = new HttpResponse[4];
            for (int i = 0; i < open.length; i++) {
                open[i] = client.send(HttpRequest.get(server.url("/"), Map.of()), DEADLINE);
                open[i].readBody(10);
            }
            for (HttpResponse response : open) {
                response.close();
            }

            assertThat(server.connections()).isEqualTo(4);
            assertThat(client.idleConnections()).isEqualTo(2);
        }
    }
}
