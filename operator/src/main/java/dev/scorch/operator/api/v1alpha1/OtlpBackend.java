package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/**
 * An OTLP/HTTP receiver of profiles, such as an OpenTelemetry collector.
 *
 * @param endpoint base URL of the OTLP/HTTP receiver, http or https, e.g.
 *     http://otel-collector.monitoring:4318; the collector appends /v1development/profiles
 * @param headers extra HTTP headers sent with every request; values may not hold CR, LF or NUL (a
 *     line break would end the header); credentials belong in bearerTokenSecretRef, so
 *     Authorization is refused here
 * @param bearerTokenSecretRef a Secret key in the operator's namespace holding a bearer token
 * @param tls how the receiver's certificate is verified for https endpoints
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OtlpBackend(
        @Required
        @Size(max = 2048)
        @ValidationRule(
                value = "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''",
                message = "otlp.endpoint must be an http or https URL with a host, e.g. http://otel-collector.monitoring:4318")
        String endpoint,
        @Size(max = 16)
        @ValidationRule(
                value = "self.all(k, k.matches('^[A-Za-z0-9-]{1,64}$') && k.lowerAscii() != 'authorization')",
                message = "otlp.headers names must be HTTP header names other than Authorization (use bearerTokenSecretRef)")
        Map<String, @Size(max = 1024) @Pattern("^[^\\r\\n\\x00]*$") String> headers,
        SecretKeyReference bearerTokenSecretRef,
        TlsSettings tls) {

    public OtlpBackend {
        headers = headers != null ? headers : Map.of();
    }
}
