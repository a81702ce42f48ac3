package dev.scorch.collector.export.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.Credentials;
import dev.scorch.collector.export.transport.HttpEndpoint;
import dev.scorch.collector.export.transport.HttpPoster;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends profiles to an OTLP receiver over HTTP/protobuf: {@code POST <endpoint>/v1development/profiles}
 * with {@code Content-Type: application/x-protobuf}, one profile per request, the configured
 * headers and an optional bearer token.
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
    public void send(ExportedProfile profile) throws SendFailure {
        ExportProfilesServiceRequest request;
        try {
            request = PprofToOtlp.convert(profile);
        } catch (IOException | RuntimeException e) {
            throw SendFailure.permanent("unconvertible-profile", "profile " + profile.id() + " cannot be converted to OTLP: " + e);
        }
        byte[] answer = endpoint.post(CONTENT_TYPE, request.toByteArray());
        try {
            var partial = ExportProfilesServiceResponse.parseFrom(answer).getPartialSuccess();
            if (partial.getRejectedProfiles() > 0) {
                throw SendFailure.permanent("rejected-otlp-partial", "OTLP " + endpoint.url() + " rejected " + partial.getRejectedProfiles()
                        + " of the profile's sample types: " + partial.getErrorMessage());
            }
        } catch (InvalidProtocolBufferException e) {
            throw SendFailure.retryable("OTLP " + endpoint.url() + ": answer is not an ExportProfilesServiceResponse: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
