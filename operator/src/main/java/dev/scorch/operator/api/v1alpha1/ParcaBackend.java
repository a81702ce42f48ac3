package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A Parca server or Polar Signals Cloud, written to through the ProfileStoreService gRPC API.
 *
 * @param address gRPC address as host:port, e.g. parca.monitoring:7070 or [fd00::1]:7070
 * @param insecure true uses plaintext gRPC (no TLS at all); false uses TLS
 * @param bearerTokenSecretRef a Secret key in the operator's namespace holding a bearer token, e.g.
 *     a Polar Signals project token
 * @param tls how the server's certificate is verified when insecure is false
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!(has(self.insecure) && self.insecure && has(self.tls))",
        message = "parca: tls has no effect with insecure: true; remove one of them")
public record ParcaBackend(
        @Required
        @Size(max = 260)
        @Pattern("^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?):[0-9]{1,5}$")
        @ValidationRule(
                value = "int(self.substring(self.lastIndexOf(':') + 1)) >= 1 && int(self.substring(self.lastIndexOf(':') + 1)) <= 65535",
                message = "parca.address must end in a port from 1 to 65535")
        String address,
        @Default("false") Boolean insecure,
        SecretKeyReference bearerTokenSecretRef,
        TlsSettings tls) {

    public ParcaBackend {
        insecure = insecure != null && insecure;
    }
}
