package dev.scorch.collector.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.BackendHealth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthServerTest {

    final HttpClient http = HttpClient.newHttpClient();
    final AtomicReference<CollectingCondition> condition = new AtomicReference<>();
    final CollectorMetrics metrics = new CollectorMetrics(() -> List.of(
                    new CollectorMetrics.PolicyBackend("checkout",
                            new BackendHealth("parca", Instant.ofEpochSecond(1_800_000_000L), null, null, 2048, 7, 1, Map.of("spool-full", 2L))),
                    new CollectorMetrics.PolicyBackend("checkout",
                            new BackendHealth("odd\"name", null, Instant.EPOCH, "down", 0, 0, 5, Map.of()))))
            .counter("scorch_samples_total", "CPU samples read.", () -> 1234)
            .counter("scorch_samples_lost_total", "Samples the kernel dropped.", () -> 0)
            .counterFamily("scorch_symbolization_misses_total", "Frames left unnamed.", "reason", () -> Map.of("no-symbols", 3L));

    @Test
    void readyzIs503UntilTheConditionIsTrue() throws Exception {
        try (HealthServer server = new HealthServer(0, condition::get, metrics).start()) {
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(503);

            condition.set(new CollectingCondition(CollectingReason.BackendUnreachable, "node n: backend parca down", null, Instant.EPOCH));
            assertThat(get(server, "/readyz")).satisfies(r -> {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).isEqualTo("BackendUnreachable: node n: backend parca down\n");
            });

            condition.set(new CollectingCondition(CollectingReason.Collecting, "node n: fine", null, Instant.EPOCH));
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricsAreInPrometheusTextFormatWithOneSeriesPerBackend() throws Exception {
        try (HealthServer server = new HealthServer(0, condition::get, metrics).start()) {
            HttpResponse<String> response = get(server, "/metrics");

            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
            assertThat(response.body()).contains(
                    "# TYPE scorch_samples_total counter\nscorch_samples_total 1234\n",
                    "scorch_symbolization_misses_total{reason=\"no-symbols\"} 3\n",
                    "scorch_export_sent_total{policy=\"checkout\",backend=\"parca\"} 7\n",
                    "scorch_export_queued_bytes{policy=\"checkout\",backend=\"parca\"} 2048\n",
                    "scorch_export_dropped_total{policy=\"checkout\",backend=\"parca\",reason=\"spool-full\"} 2\n",
                    "scorch_export_last_success_timestamp_seconds{policy=\"checkout\",backend=\"parca\"} 1800000000\n",
                    "scorch_export_failing{policy=\"checkout\",backend=\"odd\\\"name\"} 1\n");
        }
    }

    HttpResponse<String> get(HealthServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
