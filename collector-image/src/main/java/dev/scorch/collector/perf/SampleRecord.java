package dev.scorch.collector.perf;

/**
 * A reusable view of one decoded PERF_RECORD_SAMPLE, so the hot path allocates nothing: the
 * decoder overwrites it for every sample. {@code Sample.copyOf} makes the immutable contract type.
 */
public final class SampleRecord {

    /** PERF_MAX_STACK_DEPTH (127) plus context markers, with headroom for a raised sysctl. */
    public static final int MAX_FRAMES = 1024;

    int pid;
    int tid;
    int cpu;
    long timeNanos;
    long period;
    final long[] kernelIps = new long[MAX_FRAMES];
    int kernelDepth;
    final long[] userIps = new long[MAX_FRAMES];
    int userDepth;

    public int pid() {
        return pid;
    }

    public int tid() {
        return tid;
    }

    public int cpu() {
        return cpu;
    }

    public long timeNanos() {
        return timeNanos;
    }

    public long period() {
        return period;
    }

    /** Kernel frames, leaf first, valid up to {@link #kernelDepth()}. */
    public long[] kernelIps() {
        return kernelIps;
    }

    public int kernelDepth() {
        return kernelDepth;
    }

    /** User frames, leaf first, valid up to {@link #userDepth()}. */
    public long[] userIps() {
        return userIps;
    }

    public int userDepth() {
        return userDepth;
    }
}
