package dev.scorch.collector.pull;

import java.net.URI;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where one program serves its profiles: a base URL ({@code http://10.1.2.3:6060}) and a path per
 * type, {@code net/http/pprof}'s unless overridden (pod annotations may move one).
 */
public final class PullEndpoints {

    private final URI base;
    private final Map<GoProfileType, String> paths = new EnumMap<>(GoProfileType.class);

    private PullEndpoints(URI base) {
        this.base = base;
    }

    /**
     * @param base {@code http://host:port}, optionally followed by {@code /debug/pprof}
     * @throws IllegalArgumentException when it is not an absolute http URL with a host
     */
    public static PullEndpoints at(URI base) {
        if (base.getScheme() == null || !base.getScheme().equals("http") || base.getHost() == null || base.getRawQuery() != null) {
            throw new IllegalArgumentException("'" + base + "' is not an http://host:port URL (without a query)");
        }
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        path = path.replaceAll("/+$", "");
        if (path.endsWith("/debug/pprof")) {
            path = path.substring(0, path.length() - "/debug/pprof".length());
        }
        return new PullEndpoints(URI.create(base.getScheme() + "://" + base.getRawAuthority() + path));
    }

    /** Serves {@code type} at {@code path} instead of its default. */
    public PullEndpoints withPath(GoProfileType type, String path) {
        paths.put(type, path.startsWith("/") ? path : "/" + path);
        return this;
    }

    public URI url(GoProfileType type) {
        return URI.create(base + paths.getOrDefault(type, type.defaultPath()));
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
