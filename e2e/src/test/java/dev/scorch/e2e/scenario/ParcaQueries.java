package dev.scorch.e2e.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.testenv.ParcaServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Queries of Parca's HTTP gateway that the scenario needs beyond {@link ParcaServer}'s: a time window. */
final class ParcaQueries {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ParcaQueries() {
    }

    /**
     * CPU samples Parca holds for series matching {@code selector} (e.g. {@code {pod="x"}}) with
     * timestamps in {@code [from, to)}: 0 when none.
     */
    static long samplesBetween(ParcaServer parca, String selector, Instant from, Instant to) {
        String query = "mode=MODE_MERGE&reportType=REPORT_TYPE_TOP"
                + "&merge.query=" + encode(ParcaServer.CPU_SAMPLES + selector)
                + "&merge.start=" + encode(from.toString())
                + "&merge.end=" + encode(to.toString());
        URI uri = parca.httpBase().resolve("/api/profiles/query?" + query);
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404 || response.body().contains("no profiles found")) {
                return 0;
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Parca answered " + response.statusCode() + " to " + uri + ": " + response.body());
            }
            JsonNode answer = JSON.readTree(response.body());
            return answer.path("total").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException("Parca query " + uri + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted querying Parca", e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
