package dev.scorch.collector.export.otlp;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.Credentials;
import dev.scorch.collector.export.transport.HttpEndpoint;
import dev.scorch.collector.export.transport.HttpPoster;
import dev.scorch.collector.protobuf.MalformedProtobufException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends profiles to an OTLP receiver over HTTP/protobuf: {@code POST <endpoint>/v1development/profiles}
 * with {@code Content-Type: application/x-protobuf}, one profile per request (already encoded by
 * {@link dev.scorch.collector.profile.OtlpProfilesEncoder} when it was queued), the configured headers and an optional bearer
 * token.
 */
public final class OtlpSender implements ProfileSender {

    static final String PROFILES_PATH = "/v1development/profiles";
    static final String CONTENT_TYPE = "application/x-protobuf";

    private final HttpEndpoint endpoint;

    private OtlpSender(HttpEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** @throws IllegalArgumentException naming the backend when the endpoint or TLS settings are unusable */
    public static OtlpSender create(BackendConfig.Otlp config, Duration connectTimeout, Duration timeout) {
        URI url = HttpEndpoint.below(config.name(), config.endpoint(), PROFILES_PATH);
        return new OtlpSender(new HttpEndpoint(new HttpPoster("OTLP", config.tls(), connectTimeout, timeout), url,
                config.headers(), Credentials.of(Optional.empty(), config.bearerTokenFile())));
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.OTLP_PROFILES;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        byte[] answer = endpoint.post(CONTENT_TYPE, profile.payload());
        PartialSuccess partial;
        try {
            partial = PartialSuccess.of(answer);
        } catch (MalformedProtobufException e) {
            throw SendFailure.retryable("OTLP " + endpoint.url() + ": answer is not an ExportProfilesServiceResponse: " + e.getMessage(), e);
        }
        if (partial.rejectedProfiles() > 0) {
            throw SendFailure.permanent("rejected-otlp-partial", "OTLP " + endpoint.url() + " rejected " + partial.rejectedProfiles()
                    + " of the profile's sample types: " + partial.errorMessage());
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
