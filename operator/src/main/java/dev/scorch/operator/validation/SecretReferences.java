package dev.scorch.operator.validation;

import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.SecretKeyReference;
import dev.scorch.operator.api.v1alpha1.TlsSettings;
import dev.scorch.operator.status.Observation;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks what CEL cannot: that every Secret a backend names exists in the install namespace and
 * holds the keys the collector will read. A missing one would leave collector pods stuck in
 * ContainerCreating on every node; reporting it on the policy names the field to fix instead.
 */
public final class SecretReferences {
    public static final String SECRET_MISSING = "SecretMissing";
    public static final String SECRET_KEY_MISSING = "SecretKeyMissing";

    /**
     * One Secret key a policy needs.
     *
     * @param field the policy field that names it, e.g. spec.export.backends[grafana].pyroscope.basicAuthSecretRef
     * @param secret the Secret's name
     * @param key the key the collector reads
     */
    public record Needed(String field, String secret, String key) {}

    private SecretReferences() {}

    /** Every Secret key {@code policy} refers to, in backend order. */
    public static List<Needed> of(ProfilingPolicy policy) {
        List<Needed> needed = new ArrayList<>();
        for (Backend backend : policy.getSpec().export().backends()) {
            String prefix = "spec.export.backends[" + backend.name() + "]." + backend.kind();
            if (backend.pyroscope() != null && backend.pyroscope().basicAuthSecretRef() != null) {
                String name = backend.pyroscope().basicAuthSecretRef().name();
                needed.add(new Needed(prefix + ".basicAuthSecretRef", name, "username"));
                needed.add(new Needed(prefix + ".basicAuthSecretRef", name, "password"));
            }
            SecretKeyReference bearer = backend.bearerTokenSecretRef();
            TlsSettings tls = backend.tls();
            if (bearer != null) {
                needed.add(new Needed(prefix + ".bearerTokenSecretRef", bearer.name(), bearer.key()));
            }
            if (tls != null && tls.caSecretRef() != null) {
                needed.add(new Needed(prefix + ".tls.caSecretRef", tls.caSecretRef().name(), tls.caSecretRef().key()));
            }
        }
        return needed;
    }

    /** Whether {@code policy} names the Secret {@code secret}, so a change of that Secret concerns it. */
    public static boolean names(ProfilingPolicy policy, String secret) {
        return of(policy).stream().anyMatch(needed -> needed.secret().equals(secret));
    }

    /**
     * The first problem with the Secrets {@code policy} needs, if any.
     *
     * @param secrets looks a Secret up by name in the install namespace; null when it does not exist
     */
    public static Optional<Observation.Invalid> validate(
            ProfilingPolicy policy, String namespace, Function<String, Secret> secrets) {
        for (Needed needed : of(policy)) {
            Secret secret = secrets.apply(needed.secret());
            if (secret == null) {
                return Optional.of(new Observation.Invalid(SECRET_MISSING, needed.field() + " names Secret "
                        + namespace + "/" + needed.secret() + ", which does not exist; create it in " + namespace));
            }
            if (!hasKey(secret.getData(), needed.key()) && !hasKey(secret.getStringData(), needed.key())) {
                return Optional.of(new Observation.Invalid(SECRET_KEY_MISSING, needed.field() + ": Secret "
                        + namespace + "/" + needed.secret() + " has no key " + needed.key()));
            }
        }
        return Optional.empty();
    }

    private static boolean hasKey(Map<String, String> data, String key) {
        return data != null && data.containsKey(key);
    }
}
