package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The credentials Secret: which keys are copied, under which names, and when it must be rewritten. */
class CollectorCredentialsTest {

    private static final ProfilingPolicy TEAM_A = Policies.example("pyroscope-tenant-basic-auth.yaml");
    private static final ProfilingPolicy CHECKOUT = Policies.example("checkout-to-parca-with-token.yaml");

    private static Secret source(String name, String version, Map<String, String> data) {
        return new SecretBuilder().withNewMetadata().withName(name).withResourceVersion(version).endMetadata()
                .withData(data).build();
    }

    @Test
    void eachKeyABackendNamesIsCopiedUnderItsPolicyAndBackend() {
        assertThat(CollectorCredentials.copies(List.of(TEAM_A, CHECKOUT))).containsExactly(
                new CollectorCredentials.Copy("pyroscope-auth", "username", "team-a.grafana.username"),
                new CollectorCredentials.Copy("pyroscope-auth", "password", "team-a.grafana.password"),
                new CollectorCredentials.Copy("monitoring-ca", "ca.crt", "team-a.grafana.ca.crt"),
                new CollectorCredentials.Copy("polarsignals-token", "token", "checkout-cpu.polarsignals.token"));
    }

    @Test
    void theSecretHoldsTheCopiedValuesAndRecordsTheVersionsItCopied() {
        List<CollectorCredentials.Copy> copies = CollectorCredentials.copies(List.of(CHECKOUT));
        Secret desired = CollectorCredentials.desired(List.of(CHECKOUT), copies,
                Map.of("polarsignals-token", source("polarsignals-token", "977", Map.of("token", "dDBrZW4=", "unused", "eA=="))),
                Policies.SETTINGS);

        assertThat(desired.getMetadata().getName()).isEqualTo("scorch-collector-credentials");
        assertThat(desired.getData()).containsExactly(Map.entry("checkout-cpu.polarsignals.token", "dDBrZW4="));
        assertThat(desired.getMetadata().getAnnotations()).containsEntry("scorch.dev/sources", "polarsignals-token=977");
        assertThat(desired.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo("checkout-cpu"));
    }

    @Test
    void theSourcesRecordChangesWithAnySourcesVersionOnly() {
        List<CollectorCredentials.Copy> copies = CollectorCredentials.copies(List.of(TEAM_A));

        String before = CollectorCredentials.sources(copies, name -> "1");
        assertThat(before).isEqualTo("monitoring-ca=1,pyroscope-auth=1");
        assertThat(CollectorCredentials.sources(copies, name -> name.equals("monitoring-ca") ? "2" : "1")).isNotEqualTo(before);
    }
}
