package dev.scorch.collector.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads one entry of a policy's {@code export.backends}: its name, its one kind (pyroscope, parca,
 * otlp, directory) and that kind's endpoint, credentials files and TLS settings.
 */
final class BackendSections {

    /** Backend names become spool directory names, so they must be safe path segments. */
    private static final Pattern BACKEND_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):([0-9]{1,5})");

    private BackendSections() {}

    static BackendConfig backend(ConfigNode node) throws ConfigException {
        String name = node.requiredString("name");
        if (!BACKEND_NAME.matcher(name).matches()) {
            throw node.child("name").error("must be a DNS label (lower-case letters, digits, '-'), was \"" + name + "\"");
        }
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("pyroscope", "parca", "otlp", "directory")) {
            if (node.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            throw node.error("must name exactly one of pyroscope, parca, otlp, directory"
                    + (kinds.isEmpty() ? "" : ", found " + String.join(" and ", kinds)));
        }
        ConfigNode spec = node.requiredObject(kinds.getFirst());
        return switch (kinds.getFirst()) {
            case "pyroscope" -> new BackendConfig.Pyroscope(name,
                    httpUrl(spec, "url"),
                    spec.optionalString("tenantId"),
                    spec.optionalObject("basicAuth", auth -> new BackendConfig.BasicAuth(
                            auth.requiredPath("usernameFile"), auth.requiredPath("passwordFile"))),
                    spec.optionalPath("bearerTokenFile"),
                    tls(spec));
            case "parca" -> new BackendConfig.Parca(name,
                    hostPort(spec, "address"),
                    spec.optionalBoolean("insecure", false),
                    spec.optionalPath("bearerTokenFile"),
                    tls(spec));
            case "otlp" -> new BackendConfig.Otlp(name,
                    httpUrl(spec, "endpoint"),
                    spec.headers("headers"),
                    spec.optionalPath("bearerTokenFile"),
                    tls(spec));
            default -> new BackendConfig.Directory(name, spec.requiredPath("path"));
        };
    }

    private static BackendConfig.Tls tls(ConfigNode spec) throws ConfigException {
        return spec.optionalObject("tls", tls -> new BackendConfig.Tls(
                        tls.optionalPath("caFile"), tls.optionalBoolean("insecureSkipVerify", false)))
                .orElse(BackendConfig.Tls.SYSTEM_ROOTS);
    }

    private static URI httpUrl(ConfigNode spec, String field) throws ConfigException {
        String text = spec.requiredString(field);
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw spec.child(field).error("must be an http:// or https:// URL, was \"" + text + "\"");
            }
            if (uri.getHost() == null) {
                throw spec.child(field).error("has no host: \"" + text + "\"");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw spec.child(field).error("not a URL: " + e.getMessage());
        }
    }

    private static String hostPort(ConfigNode spec, String field) throws ConfigException {
        String text = spec.requiredString(field);
        var matcher = HOST_PORT.matcher(text);
        if (!matcher.matches() || Integer.parseInt(matcher.group(2)) > 65535 || Integer.parseInt(matcher.group(2)) == 0) {
            throw spec.child(field).error("must be host:port, e.g. parca.monitoring:7070, was \"" + text + "\"");
        }
        return text;
    }
}
