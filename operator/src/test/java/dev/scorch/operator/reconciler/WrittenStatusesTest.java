package dev.scorch.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.NodeCounts;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WrittenStatusesTest {
    private static final ProfilingPolicyStatus ONE_NODE = status(1);
    private static final ProfilingPolicyStatus TWO_NODES = status(2);

    private final WrittenStatuses written = new WrittenStatuses();

    @Test
    void aCacheThatHasNotSeenTheWriteReadsAsTheWrittenStatus() {
        ProfilingPolicy cached = cached("10", null);
        written.wrote(cached, "11", ONE_NODE);

        assertThat(written.current(cached("10", null))).isEqualTo(ONE_NODE);
    }

    @Test
    void aCacheThatShowsTheWriteReadsAsItself() {
        written.wrote(cached("10", null), "11", ONE_NODE);

        assertThat(written.current(cached("11", ONE_NODE))).isEqualTo(ONE_NODE);
    }

    @Test
    void aCacheThatShowsAnEarlierOfTwoWritesReadsAsTheLaterOne() {
        written.wrote(cached("10", null), "11", ONE_NODE);
        written.wrote(cached("10", null), "12", TWO_NODES);

        assertThat(written.current(cached("11", ONE_NODE))).isEqualTo(TWO_NODES);
    }

    @Test
    void aVersionTheOperatorDidNotWriteIsNewerThanItsWrites() {
        written.wrote(cached("10", null), "11", ONE_NODE);

        assertThat(written.current(cached("15", TWO_NODES))).as("a spec edit after the write").isEqualTo(TWO_NODES);
        assertThat(written.current(cached("10", null))).as("the write is forgotten once the cache passed it").isNull();
    }

    @Test
    void deletedPoliciesAreForgotten() {
        written.wrote(cached("10", null), "11", ONE_NODE);

        written.retain(Set.of());

        assertThat(written.current(cached("10", null))).isNull();
    }

    private static ProfilingPolicy cached(String resourceVersion, ProfilingPolicyStatus status) {
        ProfilingPolicy policy = Policies.parse("written", "suspend: false");
        policy.getMetadata().setResourceVersion(resourceVersion);
        policy.setStatus(status);
        return policy;
    }

    private static ProfilingPolicyStatus status(int desired) {
        return new ProfilingPolicyStatus(1L, List.of(), new NodeCounts(desired, 0, 0, 0), null, null, "scorch-collector");
    }
}
