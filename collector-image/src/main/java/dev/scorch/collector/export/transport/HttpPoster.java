package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.config.HeaderValues;
import dev.scorch.collector.export.delivery.SendFailure;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSTs protobuf bodies over HTTP/1.1 or HTTP/2 (java.net.http) and turns the answer into success
 * or a {@link SendFailure}: 2xx accepted; 408, 429 and 5xx retryable (429 and 503 honour
 * Retry-After); any other status permanent, counted as {@code rejected-http-<status>}.
 */
public final class HttpPoster implements AutoCloseable {

    private static final int MAX_ERROR_BODY = 300;
    /**
     * The most an answer may hold: backends answer a push with at most a small status document; a
     * larger body (a hostile or broken endpoint, or a proxy's page) is refused as it arrives
     * instead of growing the heap.
     */
    static final long MAX_ANSWER_BYTES = 1 << 20;

    private final String backendKind;
    private final HttpClient client;
    private final Duration timeout;
    /** This backend's requests in flight; {@link #close} cancels them without touching other backends' on the shared client. */
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param backendKind names the backend in error messages, e.g. "Pyroscope"
     */
    public HttpPoster(String backendKind, BackendConfig.Tls tls, Duration connectTimeout, Duration timeout) {
        this.backendKind = backendKind;
        this.timeout = timeout;
        this.client = SharedHttpClients.acquire(tls, connectTimeout);
    }

    /**
     * Checks that {@code url} can be posted to: absolute http(s) with a host.
     *
     * @throws IllegalArgumentException naming the backend and the URL otherwise
     */
    public static URI requireHttpUrl(String backend, URI url) {
        if (url == null || url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null || url.getRawQuery() != null) {
            throw new IllegalArgumentException("backend " + backend + ": URL '" + url
                    + "' is not an absolute http:// or https:// URL with a host and without a query");
        }
        return url;
    }

    /**
     * Posts {@code body}; returns the response body of a 2xx answer.
     *
     * @param expectedContentType content type a real backend answers with, checked on 2xx so a
     *     proxy's login page is not taken for an acceptance; null to skip the check
     */
    public byte[] post(URI url, String contentType, Map<String, String> headers, byte[] body, String expectedContentType)
            throws SendFailure {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("User-Agent", "scorch-collector")
                .POST(streamed(body));
        for (Map.Entry<String, String> header : headers.entrySet()) {
            // Values are checked where they are read; this is the last line: the HTTP client's own refusal quotes the value.
            int forbidden = HeaderValues.forbiddenCharacter(header.getValue());
            if (forbidden >= 0 || !HeaderValues.isToken(header.getKey())) {
                throw SendFailure.permanent("invalid-header", backendKind + " " + url + ": header " + header.getKey() + " not sent: "
                        + (forbidden >= 0 ? "its value holds " + HeaderValues.describe(header.getValue(), forbidden) : "not an HTTP token")
                        + " (the value is not shown)");
            }
            try {
                request.header(header.getKey(), header.getValue());
            } catch (IllegalArgumentException e) {
                throw SendFailure.permanent("invalid-header", backendKind + " " + url + ": the HTTP client refuses header " + header.getKey()
                        + " (the value is not shown)");
            }
        }
        HttpResponse<byte[]> response = send(url, request.build());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            Optional<String> answered = response.headers().firstValue("Content-Type");
            if (expectedContentType != null && response.body().length > 0
                    && answered.map(type -> !type.startsWith(expectedContentType)).orElse(true)) {
                throw SendFailure.retryable(backendKind + " " + url + ": answered " + status + " with Content-Type "
                        + answered.orElse("(none)") + " instead of " + expectedContentType
                        + "; is this the backend's URL? body: " + excerpt(response.body(), headers), null);
            }
            return response.body();
        }
        String message = backendKind + " " + url + ": HTTP " + status + ": " + excerpt(response.body(), headers);
        if (status == 429 || status == 503) {
            Duration retryAfter = retryAfter(response.headers().firstValue("Retry-After"));
            if (retryAfter != null) {
                throw SendFailure.retryAfter(message, retryAfter);
            }
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw SendFailure.retryable(message, null);
        }
        throw SendFailure.permanent("rejected-http-" + status, message);
    }

    private HttpResponse<byte[]> send(URI url, HttpRequest request) throws SendFailure {
        if (closed) {
            throw SendFailure.retryable(backendKind + " " + url + ": backend closed", null);
        }
        CompletableFuture<HttpResponse<byte[]>> response = client.sendAsync(request,
                HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), MAX_ANSWER_BYTES));
        inFlight.add(response);
        try {
            // The body arrives after the headers the request timeout waits for: one more timeout for a body that trickles in.
            return response.get(timeout.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            throw SendFailure.retryable(backendKind + " " + url + ": answer not complete within " + timeout.multipliedBy(2), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw SendFailure.retryable(backendKind + " " + url + ": no answer within " + timeout, cause);
            }
            throw SendFailure.retryable(backendKind + " " + url + ": " + cause, cause);
        } catch (CancellationException e) {
            throw SendFailure.retryable(backendKind + " " + url + ": abandoned, the backend is closing", e);
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            throw SendFailure.retryable(backendKind + " " + url + ": interrupted", e);
        } finally {
            inFlight.remove(response);
        }
    }

    /**
     * The body in chunks read as the request goes out: the client's byte-array publisher copies the
     * whole body once more before sending, twice the heap for every request in flight.
     */
    private static HttpRequest.BodyPublisher streamed(byte[] body) {
        return HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), body.length);
    }

    /** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    static Duration retryAfter(Optional<String> header) {
        if (header.isEmpty()) {
            return null;
        }
        String value = header.get().strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /**
     * The start of a response body for an error message, with our credentials cut out: a backend
     * or proxy that echoes the request must not put a secret into health, logs or metrics.
     */
    static String excerpt(byte[] body, Map<String, String> sentHeaders) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (String secret : secretsIn(sentHeaders)) {
            text = text.replace(secret, "[redacted]");
        }
        byte[] clean = text.getBytes(StandardCharsets.UTF_8);
        return shorten(clean);
    }

    private static List<String> secretsIn(Map<String, String> headers) {
        List<String> secrets = new ArrayList<>();
        headers.forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Authorization")) {
                return;
            }
            secrets.add(value);
            int space = value.indexOf(' ');
            String credential = space < 0 ? value : value.substring(space + 1);
            secrets.add(credential);
            if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String pair = new String(Base64.getDecoder().decode(credential), StandardCharsets.UTF_8);
                    secrets.add(pair);
                    int colon = pair.indexOf(':');
                    if (colon >= 0 && colon + 1 < pair.length()) {
                        secrets.add(pair.substring(colon + 1));
                    }
                } catch (IllegalArgumentException notBase64) {
                    // nothing more to cut out
                }
            }
        });
        secrets.removeIf(String::isEmpty);
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return secrets;
    }

    private static String shorten(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_ERROR_BODY), StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        return text.isEmpty() ? "(empty body)" : text + (body.length > MAX_ERROR_BODY ? "..." : "");
    }

    /**
     * Abandons this backend's requests in flight (their profiles stay spooled) instead of waiting
     * for them, and gives the shared client back.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inFlight.forEach(request -> request.cancel(true));
        SharedHttpClients.release(client);
    }
}
