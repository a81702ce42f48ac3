package dev.scorch.collector.run;

import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.unwind.StackUnwinder;

import java.util.List;

/**
 * Sends every sample to the aggregator of each policy served (each keeps only what its selection
 * selects), through the unwinder first when samples carry a stack copy and a policy selects the
 * process, and process records to the node's one process table. A sample's stack is looked up (and
 * stored, if new) once in the store the aggregators share; each aggregator then only counts its id.
 */
public final class RecordRouter implements RecordHandler {

    private final ProcessTable processes;
    private final StackUnwinder unwinder;
    private final StackStore stacks;
    /** Replaced whole when the policies served change; the sampler thread reads a stable list. */
    private volatile List<StackAggregator> aggregators;

    /**
     * Routes to no aggregator until {@link #route} names them.
     *
     * @param stacks the store every aggregator routed to keeps its stacks in
     * @param unwinder rebuilds user stacks from the stack copy; null keeps the kernel's callchain
     */
    public RecordRouter(ProcessTable processes, StackStore stacks, StackUnwinder unwinder) {
        this.processes = processes;
        this.stacks = stacks;
        this.unwinder = unwinder;
        this.aggregators = List.of();
    }

    /** From the next sample on, samples go to these aggregators, which keep their stacks in this router's store. */
    public void route(List<StackAggregator> policies) {
        aggregators = List.copyOf(policies);
    }

    @Override
    public void sample(SampleRecord sample) {
        processes.sampled(sample.pid());
        List<StackAggregator> current = aggregators;
        if (!selectedByAny(current, sample.pid())) {
            synchronized (this) {
                for (StackAggregator aggregator : current) {
                    aggregator.add(sample.pid(), StackAggregator.NO_STACK);
                }
            }
            return;
        }
        if (unwinder != null) {
            unwinder.unwind(sample);
        }
        int id = stacks.acquire(sample.pid(), sample.kernelIps(), sample.kernelDepth(), sample.userIps(), sample.userDepth());
        try {
            synchronized (this) {
                for (StackAggregator aggregator : current) {
                    aggregator.add(sample.pid(), id);
                }
            }
        } finally {
            stacks.release(id);
        }
    }

    /**
     * Runs {@code drains} with no sample half-counted: a sample reaches either all the aggregators
     * or none before it. Policies ending an interval together then cut it at the same sample and,
     * selecting the same processes, hold the same counts (and share their profile's tables).
     */
    public synchronized void betweenSamples(Runnable drains) {
        drains.run();
    }

    /** Unwinding and storing cost more than counting: only samples some policy keeps are worth it. */
    private static boolean selectedByAny(List<StackAggregator> aggregators, int pid) {
        for (StackAggregator aggregator : aggregators) {
            if (aggregator.selects(pid)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void mmap(int pid, long start, long length, long fileOffset, long inode, String path, long timeNanos) {
        processes.mapped(pid, start, length, fileOffset, inode, path, timeNanos);
    }

    @Override
    public void comm(int pid, int tid, String command, boolean exec, long timeNanos) {
        processes.commandChanged(pid, tid, command, exec, timeNanos);
    }

    @Override
    public void fork(int pid, int parentPid, int tid, long timeNanos) {
        processes.forked(pid, parentPid);
    }

    @Override
    public void exit(int pid, int tid, long timeNanos) {
        processes.exited(pid, tid);
    }
}
