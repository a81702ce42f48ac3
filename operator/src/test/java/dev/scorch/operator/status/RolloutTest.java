package dev.scorch.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import org.junit.jupiter.api.Test;

/** What every policy's status reads from the one collector DaemonSet, and what it ignores. */
class RolloutTest {

    private static DaemonSet daemonSet(long generation, long observed, int scheduled, int updated, int ready) {
        return new DaemonSetBuilder().withNewMetadata().withName("scorch-collector").withGeneration(generation).endMetadata()
                .withNewStatus().withObservedGeneration(observed).withDesiredNumberScheduled(scheduled)
                .withUpdatedNumberScheduled(updated).withNumberReady(ready).withCurrentNumberScheduled(scheduled)
                .endStatus().build();
    }

    @Test
    void readinessCountsLeaveTheRolloutAsItWas() {
        assertThat(Rollout.of(daemonSet(3, 3, 10, 10, 4))).isEqualTo(Rollout.of(daemonSet(3, 3, 10, 10, 9)));
    }

    @Test
    void aSpecTheControllerHasNotObservedIsRollingOut() {
        Rollout rollout = Rollout.of(daemonSet(4, 3, 10, 10, 10));

        assertThat(rollout.rolling()).isTrue();
        assertThat(rollout).isNotEqualTo(Rollout.of(daemonSet(3, 3, 10, 10, 10)));
    }

    @Test
    void nodesStillOnAnOlderTemplateAreRollingOut() {
        assertThat(Rollout.of(daemonSet(4, 4, 10, 7, 10)).rolling()).isTrue();
        assertThat(Rollout.of(daemonSet(4, 4, 10, 10, 10)).rolling()).isFalse();
    }

    @Test
    void noDaemonSetHasNoRollout() {
        assertThat(Rollout.of(null)).isNull();
    }
}
