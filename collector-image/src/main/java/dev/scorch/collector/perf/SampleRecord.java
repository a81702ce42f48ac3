package dev.scorch.collector.perf;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

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
    boolean userRegisters;
    long bp;
    long sp;
    long ip;
    MemorySegment stack;
    long stackOffset;
    long stackBytes;

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

    /**
     * Replaces the user frames (leaf first) with the first {@code depth} of {@code frames}: the
     * unwinder's stack instead of the kernel's frame-pointer walk.
     */
    public void replaceUserFrames(long[] frames, int depth) {
        int kept = Math.min(depth, MAX_FRAMES);
        System.arraycopy(frames, 0, userIps, 0, kept);
        userDepth = kept;
    }

    /** Whether the sample carries the user registers (not for kernel threads, nor without a stack copy). */
    public boolean hasUserRegisters() {
        return userRegisters;
    }

    /** The user frame pointer register (rbp) when the sample was taken. */
    public long bp() {
        return bp;
    }

    /** The user stack pointer register (rsp). */
    public long sp() {
        return sp;
    }

    /** The user instruction pointer (rip). */
    public long ip() {
        return ip;
    }

    /** Bytes of the user stack copied from {@link #sp()} up (the kernel's dyn_size); 0 without a copy. */
    public long stackBytes() {
        return stackBytes;
    }

    /**
     * The 8-byte word of the copied stack at user address {@code address}, into {@code into[0]};
     * false when the address lies outside the copy (or is not 8-byte aligned within it).
     */
    public boolean readStack(long address, long[] into) {
        long delta = address - sp;
        if (delta < 0 || delta > stackBytes - 8) {
            return false;
        }
        into[0] = stack.get(JAVA_LONG_UNALIGNED, stackOffset + delta);
        return true;
    }
}
