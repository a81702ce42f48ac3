package dev.scorch.collector.export.transport;

import static dev.scorch.collector.export.Eventually.await;
import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A credential that cannot be a header value (a line break inside a bearer token, a NUL in a
 * password) is refused where it is read, with a message naming the Secret file and key; the value
 * reaches neither the backend's health (readyz, the pod condition) nor the wire.
 */
class SecretValuesTest {

    private static final String TOKEN_PART = "tok3n-SECRET-part";

    @TempDir
    Path dir;

    private final RecordingHttpServer pyroscope = new RecordingHttpServer(Answer.ok("application/proto"));

    @AfterEach
    void stopServer() {
        pyroscope.close();
    }

    @Test
    void aTokenWithALineBreakInsideIsRefusedNamingTheFileAndKeyButNotTheValue() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "first-line\n" + TOKEN_PART + "\n");

        assertThatThrownBy(() -> new SecretFile(token).read()).isInstanceOf(SecretFile.MissingCredentialException.class)
                .hasMessageContaining(token.toString()).hasMessageContaining("Secret key token").hasMessageContaining("line feed (LF)")
                .hasMessageNotContaining(TOKEN_PART).hasMessageNotContaining("first-line");
    }

    @Test
    void aBackendUrlWithCredentialsIsRefusedWithoutShowingThem() {
        assertThatThrownBy(() -> HttpEndpoint.below("grafana", java.net.URI.create("https://user:" + TOKEN_PART + "@pyroscope.example"),
                "/push")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grafana").hasMessageContaining("pyroscope.example").hasMessageNotContaining(TOKEN_PART);
    }

    @Test
    void aPasswordWithANulIsRefused() throws Exception {
        Path password = Files.writeString(dir.resolve("password"), "hunter\0two");

        assertThatThrownBy(() -> new SecretFile(password).read()).isInstanceOf(SecretFile.MissingCredentialException.class)
                .hasMessageContaining("NUL").hasMessageNotContaining("hunter");
    }

    @Test
    void aBackendWhoseTokenHasALineBreakReportsTheFileInItsHealthAndSendsNothing() throws Exception {
        Path token = Files.writeString(dir.resolve("bearer"), "Bearer-part\r\n" + TOKEN_PART);
        DeliverySettings settings = new DeliverySettings(dir.resolve("spool"), 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC());
        BackendConfig.Pyroscope backend = new BackendConfig.Pyroscope("grafana", pyroscope.baseUrl(), Optional.empty(), Optional.empty(),
                Optional.of(token), BackendConfig.Tls.SYSTEM_ROOTS);

        BackendHealth health;
        try (ProfileExporter exporter = new ExporterFactory(settings).create(backend)) {
            exporter.offer(numbered(1, 100));
            await(() -> exporter.health().lastError() != null);
            health = exporter.health();
        }

        assertThat(health.lastError()).contains(token.toString()).doesNotContain(TOKEN_PART).doesNotContain("Bearer-part");
        assertThat(pyroscope.requests).isEmpty();
    }
}
