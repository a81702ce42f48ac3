package dev.scorch.collector.profile;

import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Counts raw stacks per {@link Target} during one export interval. The hot path resolves the
 * sample's pid to a target and bumps the count of the stack's id; the frames themselves live once
 * in a {@link StackStore} that every aggregator of the node shares (one per policy), so a stack
 * kept by overlapping policies is hashed and stored once. Symbolization happens later, at drain
 * time.
 */
public final class StackAggregator {

    /** Passed to {@link #add(int, int)} for a sample no aggregator selects: only counted. */
    public static final int NO_STACK = -1;

    private final TargetResolver resolver;
    private final StackStore stacks;
    private Map<Target, StackCounts> tables = new HashMap<>();
    private final Map<Target, StackCounts> tablesByInstance = new IdentityHashMap<>();
    private int lastPid = Integer.MIN_VALUE;
    private StackCounts lastTable;
    private long samples;
    private long unselected;

    /** An aggregator with a store of its own, bounded to {@code maxStacks} distinct stacks. */
    public StackAggregator(TargetResolver resolver, int maxStacks) {
        this(resolver, new StackStore(maxStacks));
    }

    /** An aggregator whose stacks live in {@code stacks}, shared with the other aggregators of the node. */
    public StackAggregator(TargetResolver resolver, StackStore stacks) {
        this.resolver = resolver;
        this.stacks = stacks;
    }

    /** Where this aggregator's stacks live. */
    public StackStore stacks() {
        return stacks;
    }

    /** Counts one sample; the record is only read during the call. */
    public void add(SampleRecord sample) {
        add(sample.pid(), sample.kernelIps(), sample.kernelDepth(), sample.userIps(), sample.userDepth());
    }

    /** Counts one sample of {@code pid} with the given frames (leaf first). */
    public synchronized void add(int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        if (tableOf(pid) == null) {
            add(pid, NO_STACK);
            return;
        }
        int id = stacks.acquire(pid, kernelIps, kernelDepth, userIps, userDepth);
        try {
            add(pid, id);
        } finally {
            stacks.release(id);
        }
    }

    /**
     * Counts one sample of {@code pid} whose stack the caller acquired from this aggregator's store
     * (and releases after), or {@link #NO_STACK} when no aggregator selects the process.
     */
    public synchronized void add(int pid, int stackId) {
        samples++;
        StackCounts table = tableOf(pid);
        if (table == null || stackId == NO_STACK) {
            unselected++;
            return;
        }
        if (table.increment(stackId)) {
            stacks.retain(stackId);
        }
    }

    /** Whether samples of {@code pid} are counted (its process belongs to a target). */
    public synchronized boolean selects(int pid) {
        return tableOf(pid) != null;
    }

    private StackCounts tableOf(int pid) {
        // Consecutive samples mostly come from the same process: skip the resolver then.
        if (pid == lastPid) {
            return lastTable;
        }
        Optional<Target> target = resolver.resolve(pid);
        StackCounts table = target.map(this::tableFor).orElse(null);
        lastPid = pid;
        lastTable = table;
        return table;
    }

    /**
     * Resolvers hand out the same few target instances over and over: find their table by
     * identity first, so a stream of samples alternating between processes does not hash the
     * targets' label maps (the equal-keyed map still merges equal targets from different instances).
     */
    private StackCounts tableFor(Target target) {
        StackCounts table = tablesByInstance.get(target);
        if (table == null) {
            table = tables.computeIfAbsent(target, k -> new StackCounts());
            tablesByInstance.put(target, table);
        }
        return table;
    }

    /** Hands over the interval's stacks per target and starts a new interval. */
    public synchronized Map<Target, List<AggregatedStack>> drain() {
        Map<Target, List<AggregatedStack>> result = new LinkedHashMap<>();
        tables.forEach((target, table) -> result.put(target, stacks.drain(table)));
        tables = new HashMap<>();
        tablesByInstance.clear();
        lastPid = Integer.MIN_VALUE;
        lastTable = null;
        return result;
    }

    /** Samples offered since start. */
    public synchronized long samples() {
        return samples;
    }

    /** Samples dropped because their process is not selected. */
    public synchronized long unselected() {
        return unselected;
    }

    /** Samples whose stack was reduced to its process because the store's bound was reached. */
    public long truncated() {
        return stacks.truncated();
    }
}
