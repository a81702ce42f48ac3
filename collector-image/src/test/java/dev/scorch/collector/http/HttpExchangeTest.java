package dev.scorch.collector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests and answers as HTTP/1.1 frames them, against the JDK's own HTTP server on loopback. */
class HttpExchangeTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Http1Client client = new Http1Client(HttpSettings.of(Duration.ofSeconds(5), Duration.ofSeconds(5)), null);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/echo", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("Host")
                    + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " " + new String(body, StandardCharsets.UTF_8));
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 100; i++) {
                    out.write(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        });
        server.createContext("/empty", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void aPostCarriesItsBodyWithContentLengthAndTheAnswerIsReadByItsLength() throws Exception {
        byte[] body = "profile bytes".getBytes(StandardCharsets.UTF_8);
        try (HttpResponse response = client.send(HttpRequest.withBody("POST", url("/echo?tenant=a%20b"), Map.of(), "application/proto", body),
                DEADLINE)) {
            assertThat(response.status()).isEqualTo(201);
            assertThat(response.headers().first("content-type")).contains("text/plain");
            assertThat(response.readBody(1024)).isEqualTo(body);
        }
        assertThat(received).containsExactly("POST /echo?tenant=a%20b 127.0.0.1:" + server.getAddress().getPort()
                + " application/proto profile bytes");
    }

    @Test
    void aChunkedAnswerIsReadToItsLastChunk() throws Exception {
        try (HttpResponse response = client.send(HttpRequest.get(url("/chunked"), Map.of()), DEADLINE)) {
            String text = new String(response.readBody(1 << 20), StandardCharsets.US_ASCII);

            assertThat(text.lines()).hasSize(100).startsWith("line 0").endsWith("line 99");
        }
    }

    @Test
    void aChunkedAnswerStreamsPieceByPiece() throws Exception {
        try (HttpResponse response = client.send(HttpRequest.get(url("/chunked"), Map.of()), null); InputStream body = response.body()) {
            assertThat(new String(body.readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("line 0\n");
            assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).endsWith("line 99\n");
        }
    }

    @Test
    void aNoContentAnswerHasAnEmptyBodyAndKeepsTheConnection() throws Exception {
        try (HttpResponse response = client.send(HttpRequest.get(url("/empty"), Map.of()), DEADLINE)) {
            assertThat(response.status()).isEqualTo(204);
            assertThat(response.readBody(10)).isEmpty();
        }
        assertThat(client.idleConnections()).isEqualTo(1);
    }

    @Test
    void aHeaderValueWithALineBreakIsNotSentAndNotShown() {
        HttpRequest request = HttpRequest.get(url("/echo"), Map.of("Authorization", "Bearer secret\r\nX-Injected: 1"));

        assertThatThrownBy(() -> client.send(request, DEADLINE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Authorization").hasMessageNotContaining("secret");
        assertThat(received).isEmpty();
    }

    @Test
    void aRefusedConnectionIsAConnectExceptionNamingTheOrigin() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        HttpRequest request = HttpRequest.get(URI.create("http://127.0.0.1:" + closedPort + "/"), Map.of());

        assertThatThrownBy(() -> client.send(request, DEADLINE)).isInstanceOf(java.net.ConnectException.class)
                .hasMessageContaining("http://127.0.0.1:" + closedPort);
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutBeingShown() {
        HttpRequest request = HttpRequest.get(URI.create("http://user:hunter2@127.0.0.1:1/echo"), Map.of());

        assertThatThrownBy(() -> client.send(request, DEADLINE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Secret").hasMessageNotContaining("hunter2");
    }
}
