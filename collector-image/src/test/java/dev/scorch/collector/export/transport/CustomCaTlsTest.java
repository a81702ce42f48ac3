package dev.scorch.collector.export.transport;

import static dev.scorch.collector.export.Eventually.await;
import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import dev.scorch.collector.export.SelfSignedCertificate;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS backends whose certificate is signed by a CA the node does not trust by default. */
class CustomCaTlsTest {

    @TempDir
    static Path certificates;

    @TempDir
    Path dir;

    private static SelfSignedCertificate certificate;
    private RecordingHttpServer server;

    @BeforeAll
    static void createSelfSignedCertificate() throws Exception {
        certificate = SelfSignedCertificate.create(certificates);
    }

    @BeforeEach
    void startServer() throws Exception {
        server = RecordingHttpServer.https(certificate, Answer.ok("application/proto"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ProfileExporter exporter(BackendConfig.Tls tls) {
        var factory = new ExporterFactory(new DeliverySettings(dir.resolve("spool"), 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC()));
        return factory.create(new BackendConfig.Pyroscope("grafana", server.baseUrl(), Optional.empty(), Optional.empty(), Optional.empty(), tls));
    }

    @Test
    void trustsTheServerThroughTheConfiguredCaBundle() {
        try (ProfileExporter exporter = exporter(new BackendConfig.Tls(Optional.of(certificate.caBundle()), false))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().sent() == 1);
        }
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void refusesTheServerWithoutTheBundleAndSaysWhy() {
        try (ProfileExporter exporter = exporter(BackendConfig.Tls.SYSTEM_ROOTS)) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().lastError() != null);
            assertThat(exporter.health().lastError()).containsIgnoringCase("certification path");
            assertThat(exporter.health().sent()).isZero();
        }
        assertThat(server.requests).isEmpty();
    }

    @Test
    void acceptsAnyCertificateOnlyWhenVerificationIsSkipped() {
        try (ProfileExporter exporter = exporter(new BackendConfig.Tls(Optional.empty(), true))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().sent() == 1);
        }
    }

    @Test
    void aMissingCaBundleIsReportedAsTheBackendsErrorWithoutThrowing() {
        Path missing = dir.resolve("absent-ca.pem");
        try (ProfileExporter exporter = exporter(new BackendConfig.Tls(Optional.of(missing), false))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().lastError() != null);
            assertThat(exporter.health().lastError()).contains(missing.toString());
            assertThat(exporter.health().queuedBytes()).isPositive();
        }
    }
}
