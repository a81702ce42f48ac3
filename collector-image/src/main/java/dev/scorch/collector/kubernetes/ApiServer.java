package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few Kubernetes API calls the collector makes, over {@link HttpClient} with a bearer token.
 * A full client library would cost more memory than the whole collector budget allows (see
 * docs/decisions.md), and the collector needs only list, watch, get and one patch.
 */
public final class ApiServer {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final String IN_CLUSTER = "/var/run/secrets/kubernetes.io/serviceaccount";

    private final URI base;
    private final HttpClient http;
    private final Supplier<String> token;

    /**
     * @param base e.g. {@code https://10.96.0.1:443}
     * @param tls trusts the API server's CA
     * @param token the current bearer token (a projected token rotates, so it is asked per request)
     */
    public ApiServer(URI base, SSLContext tls, Supplier<String> token) {
        this.base = base;
        this.token = token;
        // HTTP/1.1: each watch holds its own connection, which keeps a stalled watch from delaying
        // the status patch behind it.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * The in-cluster connection: {@code KUBERNETES_SERVICE_HOST/PORT}, the ServiceAccount's CA and
     * token files (the token re-read every minute, as kubelet rotates projected tokens).
     */
    public static ApiServer inCluster(Map<String, String> environment) throws KubernetesException {
        String host = environment.get("KUBERNETES_SERVICE_HOST");
        String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isBlank()) {
            throw new KubernetesException("KUBERNETES_SERVICE_HOST is not set: the collector runs in a pod, "
                    + "or needs the API server's address for its pod watch and status");
        }
        String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        Path account = Path.of(IN_CLUSTER);
        return new ApiServer(URI.create("https://" + authority),
                trusting(account.resolve("ca.crt")), new RotatingToken(account.resolve("token"), Duration.ofMinutes(1)));
    }

    /**
     * A connection given explicitly (a collector run outside a pod, as the end-to-end tests do):
     * the API server's URL, its CA file, and a token file re-read every minute.
     */
    public static ApiServer withTokenFile(URI base, Path caFile, Path tokenFile) throws KubernetesException {
        return new ApiServer(base, trusting(caFile), new RotatingToken(tokenFile, Duration.ofMinutes(1)));
    }

    /** An SSL context trusting the PEM certificates in {@code caFile}. */
    public static SSLContext trusting(Path caFile) throws KubernetesException {
        try {
            return trusting(Files.readAllBytes(caFile));
        } catch (IOException e) {
            throw new KubernetesException("cannot read the API server CA " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** An SSL context trusting the PEM certificates in {@code pem}. */
    public static SSLContext trusting(byte[] pem) throws KubernetesException {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new KubernetesException("the API server CA bundle holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new KubernetesException("cannot load the API server CA: " + e.getMessage(), e);
        }
    }

    /** GETs {@code path} (with query) and parses the JSON answer. */
    public JsonValue get(String path) throws KubernetesException, InterruptedException {
        HttpResponse<byte[]> response = send(request(path).timeout(REQUEST_TIMEOUT).GET().build());
        return ApiDocuments.parse("GET", path, response.body());
    }

    /** Opens a watch stream; the caller reads and closes it. */
    public InputStream watch(String path) throws KubernetesException, InterruptedException {
        // The timeout covers the wait for the response headers only, not the streamed body (checked
        // on Java 25): a server that accepts but never answers cannot hang the watch.
        HttpRequest request = request(path).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                try (InputStream body = response.body()) {
                    throw failure("GET", path, response.statusCode(), body.readNBytes(4096));
                }
            }
            return response.body();
        } catch (IOException e) {
            throw new KubernetesException("GET " + path + ": " + describe(e), e);
        }
    }

    /** PATCHes {@code path} with a body of {@code contentType}; the answer (the whole patched object) is not read. */
    public void patch(String path, String contentType, String body) throws KubernetesException, InterruptedException {
        HttpRequest request = request(path)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", contentType)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .build();
        send(request);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path))
                .header("Accept", "application/json")
                .header("User-Agent", "scorch-collector");
        String current = token.get();
        if (current != null && !current.isEmpty()) {
            builder.header("Authorization", "Bearer " + current);
        }
        return builder;
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws KubernetesException, InterruptedException {
        String path = request.uri().getRawPath();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw failure(request.method(), path, response.statusCode(), response.body());
            }
            return response;
        } catch (IOException e) {
            throw new KubernetesException(request.method() + " " + path + ": " + describe(e), e);
        }
    }

    private static KubernetesException failure(String method, String path, int status, byte[] body) {
        return new KubernetesException(method + " " + path + ": HTTP " + status + ": " + ApiDocuments.statusMessage(body), status);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
