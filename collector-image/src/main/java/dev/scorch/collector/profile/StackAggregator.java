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
 * sample's pid to a target, hashes the frames in place and bumps a counter; a stack is copied
 * only the first time it is seen in the interval. Symbolization happens later, at drain time.
 *
 * <p>Bounded: once {@code maxStacks} distinct stacks are held, a new stack is counted as its
 * process's frameless stack, so sample counts (and CPU time per target) stay exact while the
 * memory stays flat.
 */
public final class StackAggregator {

    private static final long[] NO_FRAMES = new long[0];

    private final TargetResolver resolver;
    private final int maxStacks;
    private Map<Target, StackTable> tables = new HashMap<>();
    private final Map<Target, StackTable> tablesByInstance = new IdentityHashMap<>();
    private int stacks;
    private int lastPid = Integer.MIN_VALUE;
    private StackTable lastTable;
    private long samples;
    private long unselected;
    private long truncated;

    public StackAggregator(TargetResolver resolver, int maxStacks) {
        if (maxStacks < 1) {
            throw new IllegalArgumentException("maxStacks must be positive, was " + maxStacks);
        }
        this.resolver = resolver;
        this.maxStacks = maxStacks;
    }

    /** Counts one sample; the record is only read during the call. */
    public synchronized void add(SampleRecord sample) {
        add(sample.pid(), sample.kernelIps(), sample.kernelDepth(), sample.userIps(), sample.userDepth());
    }

    /** Counts one sample of {@code pid} with the given frames (leaf first). */
    public synchronized void add(int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        samples++;
        StackTable table = tableOf(pid);
        if (table == null) {
            unselected++;
            return;
        }
        long hash = StackTable.hash(pid, kernelIps, kernelDepth, userIps, userDepth);
        if (table.increment(hash, pid, kernelIps, kernelDepth, userIps, userDepth)) {
            return;
        }
        if (stacks >= maxStacks) {
            truncated++;
            long frameless = StackTable.hash(pid, NO_FRAMES, 0, NO_FRAMES, 0);
            if (!table.increment(frameless, pid, NO_FRAMES, 0, NO_FRAMES, 0)) {
                table.insert(frameless, pid, NO_FRAMES, 0, NO_FRAMES, 0);
                stacks++;
            }
            return;
        }
        table.insert(hash, pid, kernelIps, kernelDepth, userIps, userDepth);
        stacks++;
    }

    /** Whether samples of {@code pid} are counted (its process belongs to a target). */
    public synchronized boolean selects(int pid) {
        return tableOf(pid) != null;
    }

    private StackTable tableOf(int pid) {
        // Consecutive samples mostly come from the same process: skip the resolver then.
        if (pid == lastPid) {
            return lastTable;
        }
        Optional<Target> target = resolver.resolve(pid);
        StackTable table = target.map(this::tableFor).orElse(null);
        lastPid = pid;
        lastTable = table;
        return table;
    }

    /**
     * Resolvers hand out the same few target instances over and over: find their table by
     * identity first, so a stream of samples alternating between processes does not hash the
     * targets' label maps (the equal-keyed map still merges equal targets from different instances).
     */
    private StackTable tableFor(Target target) {
        StackTable table = tablesByInstance.get(target);
        if (table == null) {
            table = tables.computeIfAbsent(target, k -> new StackTable());
            tablesByInstance.put(target, table);
        }
        return table;
    }

    /** Hands over the interval's stacks per target and starts a new interval. */
    public synchronized Map<Target, List<AggregatedStack>> drain() {
        Map<Target, List<AggregatedStack>> result = new LinkedHashMap<>();
        tables.forEach((target, table) -> result.put(target, table.stacks()));
        tables = new HashMap<>();
        tablesByInstance.clear();
        stacks = 0;
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

    /** Samples whose stack was reduced to its process because the stack bound was reached. */
    public synchronized long truncated() {
        return truncated;
    }
}
