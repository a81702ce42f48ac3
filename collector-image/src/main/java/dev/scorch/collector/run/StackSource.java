package dev.scorch.collector.run;

import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.attribution.Target;
import java.util.List;
import java.util.Map;

/** Where an export interval's stacks come from: the sampler, its aggregator and the process table. */
public interface StackSource {

    /** Reads what the kernel has buffered, then hands over the interval's stacks per target. */
    Map<Target, List<AggregatedStack>> drainInterval();

    /** The interval's profiles are built; returns the pids whose processes are gone for good. */
    List<Integer> intervalFinished();
}
