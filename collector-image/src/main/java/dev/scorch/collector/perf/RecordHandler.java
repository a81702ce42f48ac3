package dev.scorch.collector.perf;

/**
 * Receives the records decoded from a perf ring buffer. Calls come from one thread at a time;
 * the {@link SampleRecord} passed to {@link #sample} is reused and valid only during the call.
 */
public interface RecordHandler {

    void sample(SampleRecord sample);

    /**
     * PERF_RECORD_MMAP2 of an executable mapping, with the time from its sample_id trailer: records
     * of different CPUs' buffers arrive out of order, and only the time places a mapping before or
     * after an exec.
     */
    default void mmap(int pid, long start, long length, long fileOffset, long inode, String path, long timeNanos) {}

    /** PERF_RECORD_COMM; {@code exec} when the process exec'd (its older mappings are gone). */
    default void comm(int pid, int tid, String command, boolean exec, long timeNanos) {}

    /** PERF_RECORD_FORK: a new process ({@code pid != parentPid}) or thread. */
    default void fork(int pid, int parentPid, int tid, long timeNanos) {}

    /** PERF_RECORD_EXIT: a thread exited; the process when {@code tid == pid}. */
    default void exit(int pid, int tid, long timeNanos) {}

    /** PERF_RECORD_LOST / LOST_SAMPLES: the kernel dropped records because the buffer was full. */
    default void lost(long records) {}

    /** PERF_RECORD_THROTTLE / UNTHROTTLE: the kernel lowered or restored the sample rate. */
    default void throttled(boolean throttled) {}

    /** A record that does not parse; it is skipped. */
    default void malformed(int type, String why) {}
}
