package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deleting the last policy leaves nothing behind: every policy served owns the shared collector
 * objects, and the garbage collector of kube-controller-manager deletes them once none of their
 * owners is left. Needs the controllers, so it runs on tier 4's control plane.
 */
class GarbageCollectionTest {
    @RegisterExtension
    static final OperatorUnderTest operator = OperatorUnderTest.withControllers();

    @Test
    void deletingTheLastPolicyDeletesTheSharedCollectorObjects() {
        operator.create("collected", OperatorUnderTest.PARCA);
        Eventually.assertThat(() -> {
            assertThat(operator.daemonSet()).isNotNull();
            assertThat(operator.configMap()).isNotNull();
        });

        operator.delete("collected");

        Eventually.assertThat(() -> {
            assertThat(operator.daemonSet()).isNull();
            assertThat(operator.configMap()).isNull();
        });
    }
}
