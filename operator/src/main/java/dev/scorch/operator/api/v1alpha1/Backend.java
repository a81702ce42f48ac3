package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One destination for profiles; exactly one of pyroscope, parca and otlp is set.
 *
 * @param name a short DNS label that names this backend in status, metrics and the secret mount
 *     path /etc/scorch/secrets/<name>/
 * @param pyroscope ship to Grafana Pyroscope's HTTP push API
 * @param parca ship to a Parca server (or Polar Signals Cloud) over gRPC
 * @param otlp ship OTLP profiles over HTTP to an OpenTelemetry collector or a backend that takes them
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "[has(self.pyroscope), has(self.parca), has(self.otlp)].filter(x, x).size() == 1",
        message = "export.backends[]: exactly one of pyroscope, parca or otlp must be set in each backend")
public record Backend(
        @Required @Size(min = 1, max = 40) @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") String name,
        PyroscopeBackend pyroscope,
        ParcaBackend parca,
        OtlpBackend otlp) {

    /** The kind of backend this entry names. */
    public String kind() {
        if (pyroscope != null) {
            return "pyroscope";
        }
        if (parca != null) {
            return "parca";
        }
        return otlp != null ? "otlp" : "none";
    }

    /** The bearer-token Secret key of whichever kind this entry names, or null. */
    public SecretKeyReference bearerTokenSecretRef() {
        if (pyroscope != null) {
            return pyroscope.bearerTokenSecretRef();
        }
        if (parca != null) {
            return parca.bearerTokenSecretRef();
        }
        return otlp != null ? otlp.bearerTokenSecretRef() : null;
    }

    /** The TLS settings of whichever kind this entry names, or null. */
    public TlsSettings tls() {
        if (pyroscope != null) {
            return pyroscope.tls();
        }
        if (parca != null) {
            return parca.tls();
        }
        return otlp != null ? otlp.tls() : null;
    }
}
