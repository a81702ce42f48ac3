package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deleting a policy leaves nothing behind: the garbage collector of kube-controller-manager follows
 * the owner references from the namespaced collector objects to the cluster-scoped policy. Needs the controllers, so it runs on tier 4's control plane.
 */
class GarbageCollectionTest {
    private static ControlPlane controlPlane;
    private static OperatorUnderTest operator;

    @BeforeAll
    static void startOperator() {
        controlPlane = ControlPlane.shared(ControlPlane.Options.withControllers());
        operator = OperatorUnderTest.start(controlPlane);
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void deletingAPolicyDeletesEverythingItOwns() {
        KubernetesClient admin = controlPlane.adminClient();
        String ns = OperatorUnderTest.NAMESPACE;
        admin.resource(Policies.parse("collected", """
                export:
                  backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
                """)).create();
        Eventually.assertThat(() -> {
            assertThat(admin.apps().daemonSets().inNamespace(ns).withName("scorch-collected").get()).isNotNull();
            assertThat(admin.configMaps().inNamespace(ns).withName("scorch-collected").get()).isNotNull();
        });

        admin.resources(ProfilingPolicy.class).withName("collected").delete();

        Eventually.assertThat(() -> {
            assertThat(admin.apps().daemonSets().inNamespace(ns).withName("scorch-collected").get()).isNull();
            assertThat(admin.configMaps().inNamespace(ns).withName("scorch-collected").get()).isNull();
        });
    }
}
