package dev.scorch.collector.export.pyroscope;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.Credentials;
import dev.scorch.collector.export.transport.HttpEndpoint;
import dev.scorch.collector.export.transport.HttpPoster;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends profiles to Grafana Pyroscope with {@code push.v1.PusherService/Push} over the Connect
 * protocol: a unary POST of the bare protobuf message with {@code Content-Type: application/proto},
 * one profile per request, the tenant in {@code X-Scope-OrgID}, basic auth or a bearer token.
 */
public final class PyroscopeSender implements ProfileSender {

    static final String PUSH_PATH = "/push.v1.PusherService/Push";
    static final String CONTENT_TYPE = "application/proto";

    private final HttpEndpoint endpoint;

    private PyroscopeSender(HttpEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** @throws IllegalArgumentException naming the backend when the URL or TLS settings are unusable */
    public static PyroscopeSender create(BackendConfig.Pyroscope config, Duration connectTimeout, Duration timeout) {
        URI pushUrl = HttpEndpoint.below(config.name(), config.url(), PUSH_PATH);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Connect-Protocol-Version", "1");
        config.tenantId().filter(t -> !t.isBlank()).ifPresent(tenant -> headers.put("X-Scope-OrgID", tenant));
        return new PyroscopeSender(new HttpEndpoint(new HttpPoster("Pyroscope", config.tls(), connectTimeout, timeout), pushUrl,
                headers, Credentials.of(config.basicAuth(), config.bearerTokenFile())));
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GZIPPED_PPROF;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        endpoint.post(CONTENT_TYPE, PushRequests.encode(profile));
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
