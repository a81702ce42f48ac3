package dev.scorch.collector.http;

import java.net.URI;

/**
 * Where a request goes: scheme, host and port. Connections are pooled per origin, and the origin
 * names the server in every error message (never a path, query or credential).
 *
 * @param host as in the URL; an IPv6 literal keeps its brackets
 */
public record Origin(String scheme, String host, int port) {

    /**
     * @throws IllegalArgumentException when {@code uri} is not an absolute http(s) URL with a host,
     *     or carries credentials (they would be sent in the clear and shown in messages; the
     *     message does not repeat them)
     */
    public static Origin of(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an absolute http:// or https:// URL with a host: " + uri.getScheme() + "://"
                    + uri.getHost());
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("a URL of " + uri.getHost() + " carries credentials (user:password@), which are"
                    + " never sent: configure them as a Secret instead");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return new Origin(scheme, uri.getHost(), port);
    }

    public boolean secure() {
        return scheme.equals("https");
    }

    /** The host to resolve, connect to and name in TLS: without an IPv6 literal's brackets. */
    public String hostName() {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Whether the host is an IP address, which TLS's server name indication cannot carry. */
    public boolean ipLiteral() {
        return host.startsWith("[") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** The Host header: the port only when it is not the scheme's default. */
    public String authority() {
        boolean defaultPort = port == (secure() ? 443 : 80);
        return defaultPort ? host : host + ":" + port;
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
