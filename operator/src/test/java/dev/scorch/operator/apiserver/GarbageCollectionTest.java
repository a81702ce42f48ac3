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
 * Deleting the last policy leaves nothing behind: every policy served owns the shared collector
 * objects, and the garbage collector of kube-controller-manager deletes them once none of their
 * owners is left. Needs the controllers, so it runs on tier 4's control plane.
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
    void deletingTheLastPolicyDeletesTheSharedCollectorObjects() {
        KubernetesClient admin = controlPlane.adminClient();
        String ns = OperatorUnderTest.NAMESPACE;
        admin.resource(Policies.parse("collected", """
                export:
                  backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
                """)).create();
        Eventually.assertThat(() -> {
            assertThat(admin.apps().daemonSets().inNamespace(ns).withName("scorch-collector").get()).isNotNull();
            assertThat(admin.configMaps().inNamespace(ns).withName("scorch-collector").get()).isNotNull();
        });

        admin.resources(ProfilingPolicy.class).withName("collected").delete();

        Eventually.assertThat(() -> {
            assertThat(admin.apps().daemonSets().inNamespace(ns).withName("scorch-collector").get()).isNull();
            assertThat(admin.configMaps().inNamespace(ns).withName("scorch-collector").get()).isNull();
        });
    }
}
