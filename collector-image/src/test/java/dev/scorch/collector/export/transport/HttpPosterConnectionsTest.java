package dev.scorch.collector.export.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.scorch.collector.config.BackendConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A backend's pushes go over one kept-alive connection; one backend closing leaves another's alone. */
class HttpPosterConnectionsTest {

    private static final Duration CONNECT = Duration.ofSeconds(5);

    private HttpServer server;
    private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", exchange -> {
            bodies.add(exchange.getRequestBody().readAllBytes());
            clientPorts.add(exchange.getRemoteAddress().getPort());
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1development/profiles");
    }

    @Test
    void consecutivePushesOfABackendShareOneConnection() throws Exception {
        try (HttpPoster poster = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10))) {
            for (int i = 0; i < 5; i++) {
                poster.post(url(), "application/x-protobuf", Map.of(), new byte[] {(byte) i}, null);
            }
        }

        assertThat(bodies).hasSize(5);
        assertThat(clientPorts).containsOnly(clientPorts.getFirst());
    }

    @Test
    void aBackendClosingLeavesAnotherPosting() throws Exception {
        HttpPoster closing = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));
        HttpPoster staying = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));

        closing.close();
        staying.post(url(), "application/x-protobuf", Map.of(), new byte[] {1, 2, 3}, null);
        staying.close();

        assertThat(bodies).singleElement().satisfies(body -> assertThat(body).containsExactly(1, 2, 3));
    }
}
