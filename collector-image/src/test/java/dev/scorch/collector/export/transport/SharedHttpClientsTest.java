package dev.scorch.collector.export.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Backends share one HTTP client per TLS setting; one backend closing leaves the others' requests alone. */
class SharedHttpClientsTest {

    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final BackendConfig.Tls INSECURE = new BackendConfig.Tls(Optional.empty(), true);

    private final RecordingHttpServer backend = new RecordingHttpServer(Answer.ok("application/x-protobuf"));

    @AfterEach
    void stopServer() {
        backend.close();
    }

    @Test
    void backendsWithTheSameTlsSettingsShareOneClient() {
        HttpClient first = SharedHttpClients.acquire(BackendConfig.Tls.SYSTEM_ROOTS, CONNECT);
        HttpClient second = SharedHttpClients.acquire(BackendConfig.Tls.SYSTEM_ROOTS, CONNECT);
        HttpClient insecure = SharedHttpClients.acquire(INSECURE, CONNECT);
        try {
            assertThat(second).isSameAs(first);
            assertThat(insecure).isNotSameAs(first);
        } finally {
            SharedHttpClients.release(first);
            SharedHttpClients.release(second);
            SharedHttpClients.release(insecure);
        }
    }

    @Test
    void theLastBackendToCloseShutsTheClientDown() {
        HttpClient first = SharedHttpClients.acquire(INSECURE, CONNECT);
        SharedHttpClients.acquire(INSECURE, CONNECT);

        SharedHttpClients.release(first);
        assertThat(first.isTerminated()).isFalse();
        SharedHttpClients.release(first);
        HttpClient next = SharedHttpClients.acquire(INSECURE, CONNECT);
        SharedHttpClients.release(next);
        assertThat(next).isNotSameAs(first);
    }

    @Test
    void aBackendClosingLeavesAnotherOnTheSameClientPosting() throws Exception {
        HttpPoster closing = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));
        HttpPoster staying = new HttpPoster("OTLP", BackendConfig.Tls.SYSTEM_ROOTS, CONNECT, Duration.ofSeconds(10));

        closing.close();
        staying.post(backend.baseUrl().resolve("/v1development/profiles"), "application/x-protobuf", Map.of(), new byte[] {1, 2, 3},
                null);
        staying.close();

        assertThat(backend.requests).singleElement().satisfies(request -> assertThat(request.body()).containsExactly(1, 2, 3));
    }
}
