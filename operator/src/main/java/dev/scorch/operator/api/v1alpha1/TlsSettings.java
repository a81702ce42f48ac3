package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a backend's TLS certificate is verified.
 *
 * @param caSecretRef a Secret key in the operator's namespace holding the PEM CA bundle that signs
 *     the backend's certificate; absent uses the collector image's system trust store
 * @param insecureSkipVerify true accepts any certificate; for tests only
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!(has(self.caSecretRef) && has(self.insecureSkipVerify) && self.insecureSkipVerify)",
        message = "tls: caSecretRef has no effect with insecureSkipVerify: true; remove one of them")
public record TlsSettings(SecretKeyReference caSecretRef, @Default("false") Boolean insecureSkipVerify) {

    public TlsSettings {
        insecureSkipVerify = insecureSkipVerify != null && insecureSkipVerify;
    }
}
