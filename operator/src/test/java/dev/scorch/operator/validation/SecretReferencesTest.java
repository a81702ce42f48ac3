package dev.scorch.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.status.Observation;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Secret checks CEL cannot make, reported with the field and the fix. */
class SecretReferencesTest {
    private static final ProfilingPolicy BASIC_AUTH = Policies.example("pyroscope-tenant-basic-auth.yaml");

    private static Secret secret(String name, String... keys) {
        SecretBuilder b = new SecretBuilder().withNewMetadata().withName(name).endMetadata();
        for (String key : keys) {
            b.addToData(key, "c2VjcmV0");
        }
        return b.build();
    }

    @Test
    void policyWithoutSecretsNeedsNone() {
        assertThat(SecretReferences.of(Policies.example("minimal-parca.yaml"))).isEmpty();
    }

    @Test
    void missingSecretNamesTheFieldAndTheNamespace() {
        Optional<Observation.Invalid> invalid = SecretReferences.validate(BASIC_AUTH, "scorch-system", name -> null);

        assertThat(invalid).get().satisfies(i -> {
            assertThat(i.reason()).isEqualTo("SecretMissing");
            assertThat(i.message()).isEqualTo("spec.export.backends[grafana].pyroscope.basicAuthSecretRef names Secret"
                    + " scorch-system/pyroscope-auth, which does not exist; create it in scorch-system");
        });
    }

    @Test
    void secretWithoutTheKeyNamesTheKey() {
        Map<String, Secret> secrets = Map.of("pyroscope-auth", secret("pyroscope-auth", "username"),
                "monitoring-ca", secret("monitoring-ca", "ca.crt"));

        assertThat(SecretReferences.validate(BASIC_AUTH, "scorch-system", secrets::get)).get()
                .satisfies(i -> {
                    assertThat(i.reason()).isEqualTo("SecretKeyMissing");
                    assertThat(i.message()).endsWith("Secret scorch-system/pyroscope-auth has no key password");
                });
    }

    @Test
    void completeSecretsAreValid() {
        Map<String, Secret> secrets = Map.of("pyroscope-auth", secret("pyroscope-auth", "username", "password"),
                "monitoring-ca", secret("monitoring-ca", "ca.crt"));

        assertThat(SecretReferences.validate(BASIC_AUTH, "scorch-system", secrets::get)).isEmpty();
    }
}
