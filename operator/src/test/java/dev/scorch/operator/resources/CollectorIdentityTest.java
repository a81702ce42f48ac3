package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import org.junit.jupiter.api.Test;

/** Each policy's collectors get their own ServiceAccount, bound to deploy/'s collector ClusterRole. */
class CollectorIdentityTest {

    @Test
    void serviceAccountLivesInTheInstallNamespace() {
        ServiceAccount sa = CollectorServiceAccount.desired(Policies.example("minimal-parca.yaml"), Policies.SETTINGS);

        assertThat(sa.getMetadata().getName()).isEqualTo("scorch-everything");
        assertThat(sa.getMetadata().getNamespace()).isEqualTo("scorch-system");
        assertThat(sa.getMetadata().getOwnerReferences()).hasSize(1);
    }

    @Test
    void bindingGrantsOnlyTheCollectorRoleToThatServiceAccount() {
        ClusterRoleBinding binding =
                CollectorClusterRoleBinding.desired(Policies.example("minimal-parca.yaml"), Policies.SETTINGS);

        assertThat(binding.getMetadata().getName()).isEqualTo("scorch-collector-everything");
        assertThat(binding.getMetadata().getNamespace()).isNull();
        assertThat(binding.getRoleRef().getName()).isEqualTo("scorch-collector");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo("scorch-everything");
            assertThat(s.getNamespace()).isEqualTo("scorch-system");
        });
    }
}
