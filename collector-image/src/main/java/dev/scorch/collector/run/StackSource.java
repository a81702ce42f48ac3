package dev.scorch.collector.run;

import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.attribution.Target;
import java.util.List;
import java.util.Map;

/** Where a policy's export interval's stacks come from: the node's sampler and the policy's aggregator. */
public interface StackSource {

    /** Reads what the kernel has buffered, then hands over the interval's stacks per target. */
    Map<Target, List<AggregatedStack>> drainInterval();
}
