package dev.scorch.collector.run;

import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.StackAggregator;

/** Sends samples to the aggregator and process records to the process table. */
public final class RecordRouter implements RecordHandler {

    private final ProcessTable processes;
    private final StackAggregator aggregator;

    public RecordRouter(ProcessTable processes, StackAggregator aggregator) {
        this.processes = processes;
        this.aggregator = aggregator;
    }

    @Override
    public void sample(SampleRecord sample) {
        processes.sampled(sample.pid());
        aggregator.add(sample);
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
