package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A Grafana Pyroscope server.
 *
 * @param url base URL of the server, http or https, e.g. http://pyroscope.monitoring:4040
 * @param tenantId tenant sent as X-Scope-OrgID for multi-tenant Pyroscope; absent sends none
 * @param basicAuthSecretRef a Secret in the operator's namespace with keys username and password
 *     for HTTP basic auth
 * @param bearerTokenSecretRef a Secret key in the operator's namespace holding a bearer token
 * @param tls how the server's certificate is verified for https URLs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!(has(self.basicAuthSecretRef) && has(self.bearerTokenSecretRef))",
        message = "pyroscope: set basicAuthSecretRef or bearerTokenSecretRef, not both")
public record PyroscopeBackend(
        @Required
        @Size(max = 2048)
        @ValidationRule(
                value = "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''",
                message = "pyroscope.url must be an http or https URL with a host, e.g. http://pyroscope.monitoring:4040")
        String url,
        @Size(max = 256) @Pattern("^[^\\s]+$") String tenantId,
        SecretReference basicAuthSecretRef,
        SecretKeyReference bearerTokenSecretRef,
        TlsSettings tls) {}
