package dev.scorch.collector.http;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request: a method, a URL, headers in the order given, and a body of fixed length (or none).
 * Content-Length and Host are added when the request is written.
 *
 * @param body null for no body
 */
public record HttpRequest(String method, URI uri, Map<String, String> headers, byte[] body) {

    public HttpRequest {
        headers = new LinkedHashMap<>(headers);
    }

    public static HttpRequest get(URI uri, Map<String, String> headers) {
        return new HttpRequest("GET", uri, headers, null);
    }

    /** {@code method} (POST, PATCH, PUT) with {@code body} of {@code contentType}. */
    public static HttpRequest withBody(String method, URI uri, Map<String, String> headers, String contentType, byte[] body) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Content-Type", contentType);
        return new HttpRequest(method, uri, all, body);
    }

    /**
     * Whether sending it twice does what sending it once does (RFC 9110 §9.2.2): only such a
     * request is sent again after a reused connection fails once the request was written.
     */
    public boolean idempotent() {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS" -> true;
            default -> false;
        };
    }

    /** The request target of the request line: path and query, as they appear in the URL. */
    String target() {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
}
