package dev.scorch.collector.export.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.Credentials;
import dev.scorch.collector.export.transport.HttpPoster;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Sends profiles to an OTLP receiver over HTTP/protobuf: {@code POST <endpoint>/v1development/profiles}
 * with {@code Content-Type: application/x-protobuf}, one profile per request, the configured
 * headers and an optional bearer token.
 */
public final class OtlpSender implements ProfileSender {

    static final String PROFILES_PATH = "/v1development/profiles";
    static final String CONTENT_TYPE = "application/x-protobuf";

    private final URI url;
    private final Map<String, String> headers;
    private final Credentials credentials;
    private final HttpPoster poster;

    private OtlpSender(URI url, Map<String, String> headers, Credentials credentials, HttpPoster poster) {
        this.url = url;
        this.headers = headers;
        this.credentials = credentials;
        this.poster = poster;
    }

    /** @throws IllegalArgumentException naming the backend when the endpoint or TLS settings are unusable */
    public static OtlpSender create(BackendConfig.Otlp config, Duration connectTimeout, Duration timeout) {
        URI base = HttpPoster.requireHttpUrl(config.name(), config.endpoint());
        String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        return new OtlpSender(base.resolve(path + PROFILES_PATH), Map.copyOf(config.headers()),
                Credentials.of(Optional.empty(), config.bearerTokenFile()),
                new HttpPoster("OTLP", config.tls(), connectTimeout, timeout));
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        ExportProfilesServiceRequest request;
        try {
            request = PprofToOtlp.convert(profile);
        } catch (IOException | RuntimeException e) {
            throw SendFailure.permanent("unconvertible-profile", "profile " + profile.id() + " cannot be converted to OTLP: " + e);
        }
        Map<String, String> requestHeaders = new LinkedHashMap<>(headers);
        credentials.authorization().ifPresent(value -> requestHeaders.put("Authorization", value));
        byte[] answer = poster.post(url, CONTENT_TYPE, requestHeaders, request.toByteArray(), CONTENT_TYPE);
        try {
            var partial = ExportProfilesServiceResponse.parseFrom(answer).getPartialSuccess();
            if (partial.getRejectedProfiles() > 0) {
                throw SendFailure.permanent("rejected-otlp-partial", "OTLP " + url + " rejected " + partial.getRejectedProfiles()
                        + " of the profile's sample types: " + partial.getErrorMessage());
            }
        } catch (InvalidProtocolBufferException e) {
            throw SendFailure.retryable("OTLP " + url + ": answer is not an ExportProfilesServiceResponse: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        poster.close();
    }
}
