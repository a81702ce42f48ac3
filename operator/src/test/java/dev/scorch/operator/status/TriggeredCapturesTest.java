package dev.scorch.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggeredCapturesTest {

    private static Pod collector(String node, String message) {
        return new PodBuilder().withNewMetadata().withName("scorch-collector-" + node).endMetadata()
                .withNewStatus().addNewCondition().withType("payments-go.policy.scorch.dev/Collecting").withStatus("True")
                .withReason("Collecting").withMessage(message).endCondition().endStatus().build();
    }

    @Test
    void theCountsOfEveryCollectorAreSummed() {
        List<Pod> pods = List.of(
                collector("a", "node a: profiling 3 targets, exporting to parca; triggered captures: 2, last shop/api-0/api on cpu 1.20 cores at 2026-12-06T10:00:00Z"),
                collector("b", "node b: profiling 1 target, exporting to parca; cannot pull Go profiles of 1 pod: shop/x (timeout): slow;"
                        + " triggered captures: 5, last shop/x/app on memory 900 bytes at 2026-12-06T10:01:00Z"),
                collector("c", "node c: profiling 1 target, exporting to parca"));

        assertThat(TriggeredCaptures.total("payments-go", pods)).isEqualTo(7);
    }

    @Test
    void anotherPolicysConditionDoesNotCount() {
        assertThat(TriggeredCaptures.total("other", List.of(collector("a", "node a: ok; triggered captures: 2, last x")))).isZero();
    }

    @Test
    void aMessageWithoutCapturesCountsZero() {
        assertThat(TriggeredCaptures.of("node a: profiling 1 target")).isZero();
        assertThat(TriggeredCaptures.of(null)).isZero();
    }
}
