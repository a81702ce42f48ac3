package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.config.HeaderValues;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.http.DeadlineExceededException;
import dev.scorch.collector.http.Http1Client;
import dev.scorch.collector.http.HttpRequest;
import dev.scorch.collector.http.HttpResponse;
import dev.scorch.collector.http.HttpSettings;
import dev.scorch.collector.http.ResponseTooLargeException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * POSTs protobuf bodies over HTTP/1.1 ({@link Http1Client}: on the sender's own thread, over a
 * kept-alive connection) and turns the answer into success or a {@link SendFailure}: 2xx accepted;
 * 408, 429 and 5xx retryable (429 and 503 honour Retry-After); any other status permanent, counted
 * as {@code rejected-http-<status>}.
 */
public final class HttpPoster implements AutoCloseable {

    private static final int MAX_ERROR_BODY = 300;
    /** How much of an error answer is read to cut our credentials out of it before its start is shown. */
    private static final int MAX_ERROR_READ = 64 << 10;
    /**
     * The most an answer may hold: backends answer a push with at most a small status document; a
     * larger body (a hostile or broken endpoint, or a proxy's page) is refused as it arrives
     * instead of growing the heap.
     */
    static final int MAX_ANSWER_BYTES = 1 << 20;

    private final String backendKind;
    private final Http1Client client;
    private final Duration timeout;
    private volatile boolean closed;

    /**
     * @param backendKind names the backend in error messages, e.g. "Pyroscope"
     * @param timeout the longest wait for any byte of the answer; the whole exchange gets twice that
     */
    public HttpPoster(String backendKind, BackendConfig.Tls tls, Duration connectTimeout, Duration timeout) {
        this.backendKind = backendKind;
        this.timeout = timeout;
        this.client = new Http1Client(HttpSettings.of(connectTimeout, timeout), () -> TlsSocketFactories.forConfig(tls));
    }

    /**
     * Checks that {@code url} can be posted to: absolute http(s) with a host, without credentials.
     *
     * @throws IllegalArgumentException naming the backend and the URL otherwise (a URL with
     *     credentials by its host only: they are never sent or shown)
     */
    public static URI requireHttpUrl(String backend, URI url) {
        if (url != null && url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("backend " + backend + ": the URL of " + url.getHost() + " carries credentials"
                    + " (user:password@), which are neither sent nor shown: put them in the backend's basicAuth or bearer token Secret");
        }
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
        Map<String, String> sent = new LinkedHashMap<>();
        sent.put("User-Agent", "scorch-collector");
        for (Map.Entry<String, String> header : headers.entrySet()) {
            // Values are checked where they are read; this is the last line, naming the header and never its value.
            int forbidden = HeaderValues.forbiddenCharacter(header.getValue());
            if (forbidden >= 0 || !HeaderValues.isToken(header.getKey())) {
                throw SendFailure.permanent("invalid-header", backendKind + " " + url + ": header " + header.getKey() + " not sent: "
                        + (forbidden >= 0 ? "its value holds " + HeaderValues.describe(header.getValue(), forbidden) : "not an HTTP token")
                        + " (the value is not shown)");
            }
            sent.put(header.getKey(), header.getValue());
        }
        if (closed) {
            throw SendFailure.retryable(backendKind + " " + url + ": backend closed", null);
        }
        HttpRequest request = HttpRequest.withBody("POST", url, sent, contentType, body);
        try (HttpResponse response = client.send(request, timeout.multipliedBy(2))) {
            return answer(url, response, headers, expectedContentType);
        } catch (DeadlineExceededException e) {
            throw SendFailure.retryable(backendKind + " " + url + ": answer not complete within " + timeout.multipliedBy(2), e);
        } catch (SocketTimeoutException e) {
            throw SendFailure.retryable(backendKind + " " + url + ": no answer within " + timeout + " (" + e.getMessage() + ")", e);
        } catch (ResponseTooLargeException e) {
            throw SendFailure.retryable(backendKind + " " + url + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw SendFailure.retryable(backendKind + " " + url + ": " + (closed ? "abandoned, the backend is closing" : e.toString()), e);
        } catch (IllegalArgumentException e) {
            throw SendFailure.permanent("invalid-request", backendKind + " " + url + ": " + e.getMessage());
        }
    }

    private byte[] answer(URI url, HttpResponse response, Map<String, String> headers, String expectedContentType)
            throws IOException, SendFailure {
        int status = response.status();
        if (status >= 200 && status < 300) {
            byte[] answer = response.readBody(MAX_ANSWER_BYTES);
            Optional<String> answered = response.headers().first("Content-Type");
            if (expectedContentType != null && answer.length > 0
                    && answered.map(type -> !type.startsWith(expectedContentType)).orElse(true)) {
                throw SendFailure.retryable(backendKind + " " + url + ": answered " + status + " with Content-Type "
                        + answered.orElse("(none)") + " instead of " + expectedContentType
                        + "; is this the backend's URL? body: " + excerpt(answer, headers), null);
            }
            return answer;
        }
        String message = backendKind + " " + url + ": HTTP " + status + ": " + excerpt(response.readExcerpt(MAX_ERROR_READ), headers);
        if (status == 429 || status == 503) {
            Duration retryAfter = retryAfter(response.headers().first("Retry-After"));
            if (retryAfter != null) {
                throw SendFailure.retryAfter(message, retryAfter);
            }
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw SendFailure.retryable(message, null);
        }
        throw SendFailure.permanent("rejected-http-" + status, message);
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

    /** Cuts off this backend's request in flight (its profile stays spooled) instead of waiting for it. */
    @Override
    public void close() {
        closed = true;
        client.close();
    }
}
