package dev.scorch.collector.kubernetes;

import dev.scorch.collector.http.Http1Client;
import dev.scorch.collector.http.HttpRequest;
import dev.scorch.collector.http.HttpResponse;
import dev.scorch.collector.http.HttpSettings;
import dev.scorch.collector.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few Kubernetes API calls the collector makes, over {@link Http1Client} with a bearer token.
 * A full client library would cost more memory than the whole collector budget allows (see
 * docs/decisions.md), and the collector needs only list, watch, get and one patch. Each watch holds
 * a connection of its own for as long as it lasts; requests share the kept-alive others.
 */
public final class ApiServer {

    /** The longest wait for any byte of an answer, and for a watch's first. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** A request's whole exchange, to the last byte of a list page. */
    private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(60);
    /**
     * The largest answer read: a list page of {@link ListWatch#PAGE_SIZE} pods is a few MiB; more
     * is refused rather than held in the collector's small heap.
     */
    static final int MAX_ANSWER_BYTES = 32 << 20;
    private static final int MAX_ERROR_BYTES = 4096;

    private static final String IN_CLUSTER = "/var/run/secrets/kubernetes.io/serviceaccount";

    private final URI base;
    private final Http1Client http;
    private final Supplier<String> token;

    /**
     * @param base e.g. {@code https://10.96.0.1:443}
     * @param tls trusts the API server's CA
     * @param token the current bearer token (a projected token rotates, so it is asked per request)
     */
    public ApiServer(URI base, SSLContext tls, Supplier<String> token) {
        this.base = base;
        this.token = token;
        this.http = new Http1Client(HttpSettings.of(Duration.ofSeconds(10), REQUEST_TIMEOUT), tls::getSocketFactory);
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
        return ApiDocuments.parse("GET", path, exchange(HttpRequest.get(base.resolve(path), headers())));
    }

    /**
     * Opens a watch stream; the caller reads and closes it (closing it from another thread ends a
     * read at once).
     *
     * @param quietLimit how long the stream may send nothing (not even a bookmark) before a read
     *     fails: the connection is then taken for dead
     */
    public InputStream watch(String path, Duration quietLimit) throws KubernetesException, InterruptedException {
        HttpRequest request = HttpRequest.get(base.resolve(path), headers());
        HttpResponse response = null;
        try {
            // No deadline: the answer lasts as long as the watch; its head must come within the read timeout.
            response = http.send(request, null);
            if (response.status() != 200) {
                throw failure("GET", path, response.status(), response.readExcerpt(MAX_ERROR_BYTES));
            }
            response.readTimeout(quietLimit);
            InputStream body = response.body();
            response = null;
            return body;
        } catch (IOException | IllegalArgumentException e) {
            throw interruptedOr(new KubernetesException("GET " + path + ": " + describe(e), e));
        } finally {
            if (response != null) {
                response.close();
            }
        }
    }

    /** PATCHes {@code path} with a body of {@code contentType}; the answer (the whole patched object) is not parsed. */
    public void patch(String path, String contentType, String body) throws KubernetesException, InterruptedException {
        exchange(HttpRequest.withBody("PATCH", base.resolve(path), headers(), contentType,
                body.getBytes(StandardCharsets.UTF_8)));
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "scorch-collector");
        String current = token.get();
        if (current != null && !current.isEmpty()) {
            headers.put("Authorization", "Bearer " + current);
        }
        return headers;
    }

    /** The body of a 2xx answer to {@code request}. */
    private byte[] exchange(HttpRequest request) throws KubernetesException, InterruptedException {
        String path = request.uri().getRawPath();
        try (HttpResponse response = http.send(request, REQUEST_DEADLINE)) {
            if (response.status() / 100 != 2) {
                throw failure(request.method(), path, response.status(), response.readExcerpt(MAX_ERROR_BYTES));
            }
            return response.readBody(MAX_ANSWER_BYTES);
        } catch (IOException | IllegalArgumentException e) {
            throw interruptedOr(new KubernetesException(request.method() + " " + path + ": " + describe(e), e));
        }
    }

    /** An interrupted virtual thread's socket read fails with the socket closed: that is an interruption, not an API server fault. */
    private static KubernetesException interruptedOr(KubernetesException failure) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException(failure.getMessage());
        }
        return failure;
    }

    private static KubernetesException failure(String method, String path, int status, byte[] body) {
        return new KubernetesException(method + " " + path + ": HTTP " + status + ": " + ApiDocuments.statusMessage(body), status);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
