package dev.scorch.collector.perf;

/**
 * Passes every record on to another handler; subclasses override what they watch on the way
 * (counting, selecting) and call the same method here to pass it on.
 */
public abstract class ForwardingRecordHandler implements RecordHandler {

    private final RecordHandler target;

    protected ForwardingRecordHandler(RecordHandler target) {
        this.target = target;
    }

    @Override
    public void sample(SampleRecord sample) {
        target.sample(sample);
    }

    @Override
    public void mmap(int pid, long start, long length, long fileOffset, long inode, String path, long timeNanos) {
        target.mmap(pid, start, length, fileOffset, inode, path, timeNanos);
    }

    @Override
    public void comm(int pid, int tid, String command, boolean exec, long timeNanos) {
        target.comm(pid, tid, command, exec, timeNanos);
    }

    @Override
    public void fork(int pid, int parentPid, int tid, long timeNanos) {
        target.fork(pid, parentPid, tid, timeNanos);
    }

    @Override
    public void exit(int pid, int tid, long timeNanos) {
        target.exit(pid, tid, timeNanos);
    }

    @Override
    public void lost(long records) {
        target.lost(records);
    }

    @Override
    public void throttled(boolean throttled) {
        target.throttled(throttled);
    }

    @Override
    public void malformed(int type, String why) {
        target.malformed(type, why);
    }
}
