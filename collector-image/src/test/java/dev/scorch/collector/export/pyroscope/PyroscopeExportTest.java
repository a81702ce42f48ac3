package dev.scorch.collector.export.pyroscope;

import static dev.scorch.collector.export.Eventually.await;
import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.ProtobufFields;
import dev.scorch.collector.export.ProtobufFields.Field;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pyroscope exporter against an HTTP server that decodes what arrives by the field numbers of
 * grafana/pyroscope's api/push/v1/push.proto and api/types/v1/types.proto. (A Pyroscope server
 * could not be built from Go modules here; see docs/export.md.)
 */
class PyroscopeExportTest {

    @TempDir
    Path dir;

    private final RecordingHttpServer pyroscope = new RecordingHttpServer(Answer.ok("application/proto"));

    @AfterEach
    void stopServer() {
        pyroscope.close();
    }

    private ExporterFactory factory() {
        return new ExporterFactory(new DeliverySettings(dir.resolve("spool"), 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC()));
    }

    private BackendConfig.Pyroscope backend(URI url, Optional<BackendConfig.BasicAuth> basicAuth, Optional<Path> bearer) {
        return new BackendConfig.Pyroscope("grafana", url, Optional.of("team-a"), basicAuth, bearer, BackendConfig.Tls.SYSTEM_ROOTS);
    }

    @Test
    void pushesEachProfileAsAConnectUnaryRequestWithThePublishedFieldNumbers() throws IOException {
        Files.writeString(dir.resolve("username"), "scorch\n");
        Files.writeString(dir.resolve("password"), "s3cret\n");
        var basicAuth = Optional.of(new BackendConfig.BasicAuth(dir.resolve("username"), dir.resolve("password")));
        ExportedProfile profile = numbered(7, 300);
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), basicAuth, Optional.empty()))) {
            exporter.offer(profile);
            await(() -> exporter.health().sent() == 1);
        }

        RecordingHttpServer.Request request = pyroscope.requests.getFirst();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/push.v1.PusherService/Push");
        assertThat(request.header("Content-Type")).isEqualTo("application/proto");
        assertThat(request.header("Connect-Protocol-Version")).isEqualTo("1");
        assertThat(request.header("X-Scope-OrgID")).isEqualTo("team-a");
        assertThat(request.header("Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("scorch:s3cret".getBytes(StandardCharsets.UTF_8)));

        // PushRequest.series = 1
        byte[] series = ProtobufFields.only(request.body(), 1).bytes();
        // RawProfileSeries.labels = 1 (LabelPair name = 1, value = 2)
        Map<String, String> labels = new LinkedHashMap<>();
        for (Field label : ProtobufFields.all(series, 1)) {
            labels.put(ProtobufFields.only(label.bytes(), 1).string(), ProtobufFields.only(label.bytes(), 2).string());
        }
        assertThat(labels).containsExactly(
                Map.entry("__name__", "process_cpu"), Map.entry("seq", "7"), Map.entry("service_name", "shop/api"));
        // RawProfileSeries.samples = 2 (RawSample raw_profile = 1, ID = 2)
        byte[] sample = ProtobufFields.only(series, 2).bytes();
        assertThat(ProtobufFields.only(sample, 1).bytes()).isEqualTo(profile.payload());
        assertThat(ProtobufFields.only(sample, 2).string()).isEqualTo(profile.id());
    }

    @Test
    void sendsTheBearerTokenOfTheCurrentSecretFileAfterRotation() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "first");
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), Optional.empty(), Optional.of(token)))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().sent() == 1);
            Files.writeString(token, "second-and-longer");
            exporter.offer(numbered(2, 10));
            await(() -> exporter.health().sent() == 2);
        }
        assertThat(pyroscope.requests).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer first", "Bearer second-and-longer");
    }

    @Test
    void keepsProfilesWhileASecretKeyIsMissingAndNamesTheFileNotTheSecret() throws IOException {
        Path token = dir.resolve("token");
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), Optional.empty(), Optional.of(token)))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().lastError() != null);
            assertThat(exporter.health().lastError()).contains(token.toString()).contains("does not exist");
            assertThat(pyroscope.requests).isEmpty();

            Files.writeString(token, "now-mounted");
            await(() -> exporter.health().sent() == 1);
            assertThat(exporter.health().dropped()).isEmpty();
        }
    }

    @Test
    void neverPutsCredentialsIntoHealthEvenWhenTheBackendEchoesThem() throws IOException {
        Files.writeString(dir.resolve("username"), "scorch");
        Files.writeString(dir.resolve("password"), "hunter2-very-secret");
        var basicAuth = Optional.of(new BackendConfig.BasicAuth(dir.resolve("username"), dir.resolve("password")));
        String header = "Basic " + Base64.getEncoder().encodeToString("scorch:hunter2-very-secret".getBytes(StandardCharsets.UTF_8));
        pyroscope.answer.set(new Answer(401, "text/plain",
                ("denied: " + header + " (password hunter2-very-secret)").getBytes(StandardCharsets.UTF_8), Map.of()));
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), basicAuth, Optional.empty()))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().dropped().getOrDefault("rejected-http-401", 0L) == 1);
            assertThat(exporter.health().lastError()).contains("HTTP 401").contains("[redacted]")
                    .doesNotContain("hunter2").doesNotContain(header.substring(6));
            assertThat(exporter.health().toString()).doesNotContain("hunter2");
        }
    }

    @Test
    void dropsAProfileTheBackendRejectsWith400CountedAndExplained() {
        pyroscope.answer.set(new Answer(400, "application/json",
                "{\"code\":\"invalid_argument\",\"message\":\"failed to parse profile\"}".getBytes(StandardCharsets.UTF_8), Map.of()));
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), Optional.empty(), Optional.empty()))) {
            exporter.offer(numbered(1, 10));
            exporter.offer(numbered(2, 10));
            await(() -> exporter.health().dropped().getOrDefault("rejected-http-400", 0L) == 2);
            assertThat(exporter.health().lastError()).contains("HTTP 400").contains("failed to parse profile");
            assertThat(exporter.health().retried()).isZero();
        }
    }

    @Test
    void waitsOutA429ForAsLongAsRetryAfterSaysThenDelivers() {
        pyroscope.answer.set(new Answer(429, "text/plain", "slow down".getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "1")));
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), Optional.empty(), Optional.empty()))) {
            exporter.offer(numbered(1, 10));
            await(() -> pyroscope.requests.size() == 1);
            long firstAttempt = System.nanoTime();
            pyroscope.answer.set(Answer.ok("application/proto"));
            await(() -> exporter.health().sent() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - firstAttempt)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(pyroscope.requests).hasSize(2);
            assertThat(exporter.health().retried()).isEqualTo(1);
        }
    }

    @Test
    void doesNotTakeAnHtmlPageForAnAcceptanceAndSaysWhatCameBack() {
        pyroscope.answer.set(new Answer(200, "text/html", "<html>login</html>".getBytes(StandardCharsets.UTF_8), Map.of()));
        try (ProfileExporter exporter = factory().create(backend(pyroscope.baseUrl(), Optional.empty(), Optional.empty()))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().retried() >= 1);
            assertThat(exporter.health().sent()).isZero();
            assertThat(exporter.health().lastError()).contains("text/html").contains("<html>login</html>");
            assertThat(exporter.health().queuedBytes()).isPositive();
        }
    }

    @Test
    void aMalformedUrlIsReportedWhileAnotherBackendKeepsDelivering() {
        var factory = factory();
        try (ProfileExporter broken = factory.create(backend(URI.create("pyroscope.monitoring:4040"), Optional.empty(), Optional.empty()));
                ProfileExporter working = factory.create(new BackendConfig.Pyroscope("other", pyroscope.baseUrl(),
                        Optional.empty(), Optional.empty(), Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS))) {
            for (ProfileExporter exporter : List.of(broken, working)) {
                exporter.offer(numbered(1, 10));
            }
            await(() -> working.health().sent() == 1);
            await(() -> broken.health().lastError() != null);
            assertThat(broken.health().lastError()).contains("backend grafana").contains("pyroscope.monitoring:4040");
            assertThat(broken.health().queuedBytes()).isPositive();
        }
    }
}
