package dev.scorch.collector.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** One entry of {@code export.backends}: a name and exactly one kind of backend. */
public sealed interface BackendConfig {

    /** The backend's name from the policy; names its spool directory, metrics and messages. */
    String name();

    /**
     * Grafana Pyroscope, through its push API.
     *
     * @param url base URL, e.g. {@code http://pyroscope.monitoring:4040}
     * @param tenantId sent as {@code X-Scope-OrgID} when present
     * @param basicAuth files holding the basic-auth user name and password
     * @param bearerTokenFile file holding a bearer token
     * @param tls how the server's certificate is checked
     */
    record Pyroscope(String name, URI url, Optional<String> tenantId, Optional<BasicAuth> basicAuth,
            Optional<Path> bearerTokenFile, Tls tls) implements BackendConfig {}

    /**
     * Parca, through {@code ProfileStoreService/WriteRaw} over gRPC.
     *
     * @param address {@code host:port}
     * @param insecure plaintext instead of TLS
     * @param bearerTokenFile file holding a bearer token
     * @param tls how the server's certificate is checked
     */
    record Parca(String name, String address, boolean insecure, Optional<Path> bearerTokenFile, Tls tls)
            implements BackendConfig {}

    /**
     * An OTLP receiver, profiles signal over HTTP/protobuf.
     *
     * @param endpoint base URL, e.g. {@code http://otel-collector.monitoring:4318}
     * @param headers extra request headers (never secrets: those come from files)
     * @param bearerTokenFile file holding a bearer token
     * @param tls how the server's certificate is checked
     */
    record Otlp(String name, URI endpoint, Map<String, String> headers, Optional<Path> bearerTokenFile, Tls tls)
            implements BackendConfig {

        public Otlp {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * Files in a local directory, for the standalone mode and debugging.
     *
     * @param path directory the profiles are written to
     */
    record Directory(String name, Path path) implements BackendConfig {}

    /**
     * @param usernameFile file holding the user name
     * @param passwordFile file holding the password
     */
    record BasicAuth(Path usernameFile, Path passwordFile) {}

    /**
     * @param caFile PEM bundle trusted instead of the system roots, when present
     * @param insecureSkipVerify accept any server certificate
     */
    record Tls(Optional<Path> caFile, boolean insecureSkipVerify) {

        public static final Tls SYSTEM_ROOTS = new Tls(Optional.empty(), false);
    }
}
