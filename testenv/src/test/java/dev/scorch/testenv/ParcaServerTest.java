package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParcaServerTest {

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void storesAWrittenProfileAnswersQueriesAboutItAndKeepsItAcrossARestart() throws Exception {
        try (ParcaServer parca = ParcaServer.start(Tier.END_TO_END, work)) {
            // A real CPU profile: Go's profiler on a program burning CPU in main.scorchHotLoop
            // (hack/capture-test-pprof.sh).
            byte[] ownProfile;
            try (var in = ParcaServerTest.class.getResourceAsStream("go-cpu-hotloop.pb.gz")) {
                ownProfile = in.readAllBytes();
            }
            String body = """
                    {"series":[{"labels":{"labels":[{"name":"__name__","value":"process_cpu"},{"name":"job","value":"parca-selftest"}]},
                      "samples":[{"rawProfile":"%s"}]}]}""".formatted(Base64.getEncoder().encodeToString(ownProfile));
            HttpResponse<String> written = http.send(HttpRequest.newBuilder(parca.httpBase().resolve("/api/profiles/writeraw"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(written.statusCode()).as(written.body()).isEqualTo(200);

            assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "job")).containsExactly("parca-selftest");
            assertThat(parca.topFunction(ParcaServer.CPU_SAMPLES + "{job=\"parca-selftest\"}").name())
                    .isEqualTo("main.scorchHotLoop");

            parca.restart();
            assertThat(parca.isRunning()).isTrue();
            assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "job")).containsExactly("parca-selftest");
        }
    }

    @Test
    void answersNothingWhileStoppedAndAgainAfterARestart() {
        try (ParcaServer parca = ParcaServer.start(Tier.END_TO_END, work)) {
            parca.stop();
            assertThat(parca.isRunning()).isFalse();
            parca.restart();
            assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "job")).isEmpty();
            assertThat(URI.create("http://" + parca.grpcAddress())).isEqualTo(parca.httpBase());
        }
    }
}
