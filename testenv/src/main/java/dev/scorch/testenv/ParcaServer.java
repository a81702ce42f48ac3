package dev.scorch.testenv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real Parca server (the binary {@code hack/test-binaries.sh} builds, v0.28.0) on loopback, with
 * filesystem storage in a directory of the caller's, and the queries the export tests ask of it.
 *
 * <p>Profiles are written by the code under test over gRPC ({@link #grpcAddress()}); queries go
 * through Parca's HTTP/JSON gateway of {@code parca.query.v1alpha1.QueryService} (under
 * {@code /api}), so the test
 * reads what a user of Parca's API would read. Persistence with a write-ahead log is on, so
 * {@link #stop()} and {@link #restart()} keep what was stored: an outage test can count every
 * profile that arrived before, during and after the outage.
 */
public final class ParcaServer implements AutoCloseable {

    /** Profile type of a Go-shaped CPU profile pushed as {@code __name__=process_cpu}, sample count. */
    public static final String CPU_SAMPLES = "process_cpu:samples:count:cpu:nanoseconds:delta";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /**
     * Queries cover everything stored: Parca files a profile under the time inside the pprof, and
     * test profiles captured once and committed carry the time of their capture.
     */
    private static final Instant BEGINNING = Instant.parse("2000-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path binary;
    private final Path workDir;
    private final String host;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LocalProcess process;
    private int starts;

    private ParcaServer(Path binary, Path workDir, String host, int port) {
        this.binary = binary;
        this.workDir = workDir;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts Parca with its data, config and log under {@code workDir}; guards the tier first, so a
     * machine without the binary skips (or in CI fails) with the script to run.
     */
    public static ParcaServer start(Tier tier, Path workDir) {
        return start(tier, workDir, "127.0.0.1");
    }

    /**
     * Starts Parca as {@link #start(Tier, Path)} does, listening on {@code host} instead of
     * loopback: a test node's address on its private network (tier 6), so pods reach it.
     */
    public static ParcaServer start(Tier tier, Path workDir, String host) {
        TestBinaries binaries = TestBinaries.fromEnvironment();
        binaries.require(tier, List.of(binaries.parca()));
        ParcaServer server = new ParcaServer(binaries.parca(), workDir, host, LoopbackPorts.free());
        server.launch();
        return server;
    }

    /** {@code <host>:<port>} (host 127.0.0.1 unless started on another): gRPC (plaintext HTTP/2) and HTTP share the port. */
    public String grpcAddress() {
        return host + ":" + port;
    }

    public URI httpBase() {
        return URI.create("http://" + host + ":" + port);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (SIGTERM, then SIGKILL), keeping its storage for {@link #restart()}. */
    public void stop() {
        if (process != null) {
            process.close();
        }
    }

    /** Starts the server again on the same port and storage. */
    public void restart() {
        stop();
        launch();
    }

    /** The log of the current run, for failure messages. */
    public String logTail(int lines) {
        return process == null ? "(never started)" : process.logTail(lines);
    }

    /**
     * Values of {@code labelName} among the stored series of {@code profileType} (Parca's
     * {@code QueryService/Values}).
     */
    public List<String> labelValues(String profileType, String labelName) {
        JsonNode answer = get("/api/profiles/labels/" + encode(labelName) + "/values", Map.of(
                "profileType", profileType,
                "start", BEGINNING.toString(),
                "end", Instant.now().plus(Duration.ofDays(1)).toString()));
        List<String> values = new ArrayList<>();
        answer.path("labelValues").forEach(v -> values.add(v.asText()));
        return values;
    }

    /**
     * The profile types Parca stores, each as a query prefix
     * {@code name:sampleType:sampleUnit:periodType:periodUnit}, with {@code :delta} when Parca
     * treats it as one (Parca's {@code QueryService/ProfileTypes}).
     */
    public List<String> profileTypes() {
        JsonNode answer = get("/api/profiles/types", Map.of());
        List<String> types = new ArrayList<>();
        answer.path("types").forEach(t -> types.add(String.join(":", t.path("name").asText(), t.path("sampleType").asText(),
                t.path("sampleUnit").asText(), t.path("periodType").asText(), t.path("periodUnit").asText())
                + (t.path("delta").asBoolean() ? ":delta" : "")));
        return types;
    }

    /**
     * The function with the largest flat value in the merged profile of {@code query} (e.g.
     * {@code process_cpu:samples:count:cpu:nanoseconds:delta{service_name="shop/api"}}) of
     * everything stored, from Parca's top report; null when nothing matches.
     */
    public TopFunction topFunction(String query) {
        JsonNode answer = get("/api/profiles/query", Map.of(
                "mode", "MODE_MERGE",
                "reportType", "REPORT_TYPE_TOP",
                "merge.query", query,
                "merge.start", BEGINNING.toString(),
                "merge.end", Instant.now().plus(Duration.ofDays(1)).toString()));
        TopFunction best = null;
        long total = answer.path("total").asLong();
        for (JsonNode node : answer.path("top").path("list")) {
            String name = node.path("meta").path("function").path("name").asText("");
            long flat = node.path("flat").asLong();
            if (!name.isEmpty() && (best == null || flat > best.flat())) {
                best = new TopFunction(name, flat, total);
            }
        }
        return best;
    }

    /**
     * A function and its share of a merged profile.
     *
     * @param name function name as Parca stores it
     * @param flat samples with this function as the leaf
     * @param total samples in the merged profile
     */
    public record TopFunction(String name, long flat, long total) {}

    @Override
    public void close() {
        stop();
    }

    private void launch() {
        try {
            Files.createDirectories(workDir.resolve("data"));
            Path config = workDir.resolve("parca.yaml");
            // Filesystem bucket under the work directory; no scrape configs: only pushed profiles.
            Files.writeString(config, """
                    object_storage:
                      bucket:
                        type: "FILESYSTEM"
                        config:
                          directory: "%s"
                    """.formatted(workDir.resolve("data").resolve("bucket")));
            starts++;
            process = LocalProcess.start("parca", List.of(binary.toString(),
                    "--config-path=" + config,
                    "--http-address=" + host + ":" + port,
                    "--enable-persistence",
                    "--storage-enable-wal",
                    "--storage-path=" + workDir.resolve("data").resolve("storage"),
                    "--storage-active-memory=67108864",
                    "--debuginfod-http-request-timeout=1s",
                    "--debuginfo-cache-dir=" + workDir.resolve("debuginfo-cache"),
                    "--log-level=info"),
                    workDir.resolve("parca-" + starts + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Parca's directory " + workDir, e);
        }
        Readiness.await(process, Instant.now().plus(START_TIMEOUT), this::answersQueries);
    }

    private boolean answersQueries() {
        try {
            HttpRequest request = HttpRequest.newBuilder(httpBase().resolve("/api/profiles/types")).timeout(Duration.ofSeconds(5)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode get(String path, Map<String, String> query) {
        String queryString = query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        URI uri = httpBase().resolve(path + "?" + queryString);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Parca answered " + response.statusCode() + " to " + uri + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("Parca query " + uri + " failed; Parca log:\n" + logTail(20), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted querying Parca", e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
