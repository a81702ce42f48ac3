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

/** Queries of Parca's HTTP gateway that the scenarios need beyond {@link ParcaServer}'s: a time window, one function's value, pprof. */
final class ParcaQueries {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Before anything a test stores: Parca files a profile under the time inside it. */
    private static final Instant EVERYTHING_FROM = Instant.parse("2000-01-01T00:00:00Z");

    private ParcaQueries() {
    }

    /**
     * CPU samples Parca holds for series matching {@code selector} (e.g. {@code {pod="x"}}) with
     * timestamps in {@code [from, to)}: 0 when none.
     */
    static long samplesBetween(ParcaServer parca, String selector, Instant from, Instant to) {
        JsonNode answer = merged(parca, ParcaServer.CPU_SAMPLES + selector, "REPORT_TYPE_TOP", from, to);
        return answer == null ? 0 : answer.path("total").asLong();
    }

    /**
     * The cumulative value of {@code function} (it or anything it calls) and of its closures (whose
     * goroutines do not run under it) in the merge of everything Parca holds for {@code query} (a
     * profile type and selector): 0 when absent.
     */
    static long cumulative(ParcaServer parca, String query, String function) {
        JsonNode answer = merged(parca, query, "REPORT_TYPE_TOP", EVERYTHING_FROM, Instant.now().plus(Duration.ofDays(1)));
        if (answer == null) {
            return 0;
        }
        long total = 0;
        for (JsonNode node : answer.path("top").path("list")) {
            String name = node.path("meta").path("function").path("name").asText("");
            if (name.equals(function) || name.startsWith(function + ".func")) {
                total += node.path("cumulative").asLong();
            }
        }
        return total;
    }

    /** The merge of everything Parca holds for {@code query} as pprof (uncompressed), as Parca serves it for download; null when none. */
    static byte[] pprof(ParcaServer parca, String query) {
        JsonNode answer = merged(parca, query, "REPORT_TYPE_PPROF", EVERYTHING_FROM, Instant.now().plus(Duration.ofDays(1)));
        return answer == null ? null : java.util.Base64.getDecoder().decode(answer.path("pprof").asText());
    }

    /** Parca's merge report of {@code query} over {@code [from, to)}; null when nothing matches. */
    private static JsonNode merged(ParcaServer parca, String query, String reportType, Instant from, Instant to) {
        String parameters = "mode=MODE_MERGE&reportType=" + reportType
                + "&merge.query=" + encode(query)
                + "&merge.start=" + encode(from.toString())
                + "&merge.end=" + encode(to.toString());
        URI uri = parca.httpBase().resolve("/api/profiles/query?" + parameters);
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404 || response.body().contains("no profiles found")) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Parca answered " + response.statusCode() + " to " + uri + ": " + response.body());
            }
            return JSON.readTree(response.body());
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
