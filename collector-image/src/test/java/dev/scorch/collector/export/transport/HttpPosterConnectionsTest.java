package dev.scorch.collector.export.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A backend's pushes go over one kept-alive connection; one backend closing leaves another's alone. */
class HttpPosterConnectionsTest {

    private static final Duration CONNECT = Duration.ofSeconds(5);

    private final RecordingHttpServer server = new RecordingHttpServer(Answer.ok("application/x-protobuf"));

    @AfterEach
    void stop() {
        server.close();
    }

    private URI url() {
        return server.baseUrl().resolve("/v1development/profiles");
    }

    @Test
    void consecutivePushesOfABackendShareOneConnection() throws Exception {
        try (HttpPoster poster = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10))) {
            for (int i = 0; i < 5; i++) {
                poster.post(url(), "application/x-protobuf", Map.of(), new byte[] {(byte) i}, null);
            }
        }

        assertThat(server.requests).hasSize(5);
        assertThat(server.requests).extracting(RecordingHttpServer.Request::clientPort)
                .containsOnly(server.requests.getFirst().clientPort());
    }

    @Test
    void aBackendClosingLeavesAnotherPosting() throws Exception {
        HttpPoster closing = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));
        HttpPoster staying = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));

        closing.close();
        staying.post(url(), "application/x-protobuf", Map.of(), new byte[] {1, 2, 3}, null);
        staying.close();

        assertThat(server.requests).singleElement().satisfies(request -> assertThat(request.body()).containsExactly(1, 2, 3));
    }
}
