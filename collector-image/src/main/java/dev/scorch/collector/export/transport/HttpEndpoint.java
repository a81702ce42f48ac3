package dev.scorch.collector.export.transport;

import dev.scorch.collector.export.delivery.SendFailure;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One backend's POST target: a path below the backend's base URL, the headers every request
 * carries, and credentials read anew for each request so a rotated Secret takes effect without a
 * restart.
 */
public final class HttpEndpoint implements AutoCloseable {

    private final HttpPoster poster;
    private final URI url;
    private final Map<String, String> fixedHeaders;
    private final Credentials credentials;

    public HttpEndpoint(HttpPoster poster, URI url, Map<String, String> fixedHeaders, Credentials credentials) {
        this.poster = poster;
        this.url = url;
        this.fixedHeaders = Map.copyOf(fixedHeaders);
        this.credentials = credentials;
    }

    /**
     * {@code path} appended to {@code base}'s own path, so a backend behind a path prefix (a
     * gateway route such as {@code https://gw/pyroscope}) keeps its prefix.
     *
     * @throws IllegalArgumentException naming the backend when {@code base} is not an http(s) URL
     */
    public static URI below(String backend, URI base, String path) {
        URI checked = HttpPoster.requireHttpUrl(backend, base);
        String prefix = checked.getRawPath() == null ? "" : checked.getRawPath().replaceAll("/+$", "");
        return checked.resolve(prefix + path);
    }

    public URI url() {
        return url;
    }

    /**
     * Posts {@code body} as {@code contentType} and expects an answer of the same type, so a
     * proxy's HTML page is never taken for an acceptance; returns the answer's body.
     */
    public byte[] post(String contentType, byte[] body) throws SendFailure {
        Map<String, String> headers = new LinkedHashMap<>(fixedHeaders);
        credentials.authorization().ifPresent(value -> headers.put("Authorization", value));
        return poster.post(url, contentType, headers, body, contentType);
    }

    @Override
    public void close() {
        poster.close();
    }
}
