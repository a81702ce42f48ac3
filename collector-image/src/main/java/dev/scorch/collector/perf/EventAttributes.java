package dev.scorch.collector.perf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code struct perf_event_attr} the sampler opens its events with, encoded for x86_64 and
 * aarch64 (LP64). Offsets were checked against {@code offsetof} on the build machine's
 * {@code <linux/perf_event.h>} (see PerfEventAttrLayoutTest); size 128 is PERF_ATTR_SIZE_VER7,
 * which every kernel since 5.13 knows and older kernels accept because the tail is zero.
 *
 * @param frequencyHz samples per second per CPU (frequency mode)
 * @param kernelStacks whether callchains include kernel frames
 * @param processRecords whether to ask for MMAP2, COMM and FORK/EXIT records
 * @param wakeupBytes wake the reader when this many bytes are waiting
 * @param userStackBytes bytes of the user stack (from the stack pointer up) copied into every sample
 *     together with the user registers the unwinder needs; 0 leaves both out (the frame-pointer
 *     callchain only)
 * @param userSpaceTasks events of chosen tasks that follow the threads and children those start
 *     ({@code inherit}) and count user space only ({@code exclude_kernel}, {@code exclude_hv}):
 *     what {@code perf_event_paranoid} 2 lets an unprivileged user open for their own processes
 */
public record EventAttributes(int frequencyHz, boolean kernelStacks, boolean processRecords, int wakeupBytes, int userStackBytes,
        boolean userSpaceTasks) {

    public static final int SIZE = 128;

    static final int TYPE_SOFTWARE = 1;
    static final long SW_CPU_CLOCK = 0;

    public static final long SAMPLE_IP = 1L;
    public static final long SAMPLE_TID = 1L << 1;
    public static final long SAMPLE_TIME = 1L << 2;
    public static final long SAMPLE_CALLCHAIN = 1L << 5;
    public static final long SAMPLE_CPU = 1L << 7;
    public static final long SAMPLE_PERIOD = 1L << 8;
    public static final long SAMPLE_REGS_USER = 1L << 12;
    public static final long SAMPLE_STACK_USER = 1L << 13;
    /** The sample format without a stack copy: 0x1A7. */
    public static final long SAMPLE_TYPE = SAMPLE_IP | SAMPLE_TID | SAMPLE_TIME | SAMPLE_CPU | SAMPLE_PERIOD | SAMPLE_CALLCHAIN;
    /** With the user registers and stack copy: 0x31A7. */
    public static final long SAMPLE_TYPE_WITH_USER_STACK = SAMPLE_TYPE | SAMPLE_REGS_USER | SAMPLE_STACK_USER;

    /**
     * x86-64 {@code perf_regs.h}: BP is register 6, SP 7, IP 8. The kernel writes the registers of
     * the mask in ascending bit order, so a sample carries {bp, sp, ip}.
     */
    public static final long REGS_USER_MASK_X86_64 = (1L << 6) | (1L << 7) | (1L << 8);
    /** The kernel rejects stack sizes that are not a multiple of 8 or do not fit a 64 KiB record. */
    public static final int MAX_USER_STACK_BYTES = 60 * 1024;

    static final long FLAG_DISABLED = 1L;
    static final long FLAG_INHERIT = 1L << 1;
    static final long FLAG_EXCLUDE_KERNEL = 1L << 5;
    static final long FLAG_EXCLUDE_HV = 1L << 6;
    static final long FLAG_EXCLUDE_IDLE = 1L << 7;
    static final long FLAG_MMAP = 1L << 8;
    static final long FLAG_COMM = 1L << 9;
    static final long FLAG_FREQ = 1L << 10;
    static final long FLAG_TASK = 1L << 13;
    static final long FLAG_WATERMARK = 1L << 14;
    static final long FLAG_SAMPLE_ID_ALL = 1L << 18;
    static final long FLAG_EXCLUDE_CALLCHAIN_KERNEL = 1L << 21;
    static final long FLAG_MMAP2 = 1L << 23;
    static final long FLAG_COMM_EXEC = 1L << 24;

    static final long OFFSET_TYPE = 0;
    static final long OFFSET_SIZE = 4;
    static final long OFFSET_CONFIG = 8;
    static final long OFFSET_SAMPLE_FREQ = 16;
    static final long OFFSET_SAMPLE_TYPE = 24;
    static final long OFFSET_FLAGS = 40;
    static final long OFFSET_WAKEUP = 48;
    static final long OFFSET_SAMPLE_REGS_USER = 80;
    static final long OFFSET_SAMPLE_STACK_USER = 88;

    public EventAttributes {
        if (frequencyHz < 1) {
            throw new IllegalArgumentException("frequency must be at least 1 Hz, was " + frequencyHz);
        }
        if (wakeupBytes < 1) {
            throw new IllegalArgumentException("wakeupBytes must be positive, was " + wakeupBytes);
        }
        if (userStackBytes < 0 || userStackBytes > MAX_USER_STACK_BYTES || userStackBytes % 8 != 0) {
            throw new IllegalArgumentException("user stack copy must be a multiple of 8 bytes up to " + MAX_USER_STACK_BYTES + ", was "
                    + userStackBytes);
        }
    }

    /** Without a user stack copy. */
    public EventAttributes(int frequencyHz, boolean kernelStacks, boolean processRecords, int wakeupBytes) {
        this(frequencyHz, kernelStacks, processRecords, wakeupBytes, 0);
    }

    /** Events of every task (or a cgroup's), kernel included. */
    public EventAttributes(int frequencyHz, boolean kernelStacks, boolean processRecords, int wakeupBytes, int userStackBytes) {
        this(frequencyHz, kernelStacks, processRecords, wakeupBytes, userStackBytes, false);
    }

    /** Whether samples carry the user registers and a copy of the user stack. */
    public boolean userStack() {
        return userStackBytes > 0;
    }

    public long sampleType() {
        return userStack() ? SAMPLE_TYPE_WITH_USER_STACK : SAMPLE_TYPE;
    }

    /**
     * The flag bit field at offset 40. {@code exclude_idle}: the CPU-clock timer still fires on an
     * idle CPU, but a sample of the idle task belongs to no target, so the kernel need not write it
     * (on a mostly idle node that is most of the samples).
     */
    public long flags() {
        long flags = FLAG_DISABLED | FLAG_FREQ | FLAG_SAMPLE_ID_ALL | FLAG_WATERMARK | FLAG_EXCLUDE_IDLE;
        if (!kernelStacks) {
            flags |= FLAG_EXCLUDE_CALLCHAIN_KERNEL;
        }
        if (processRecords) {
            flags |= FLAG_MMAP | FLAG_MMAP2 | FLAG_COMM | FLAG_COMM_EXEC | FLAG_TASK;
        }
        if (userSpaceTasks) {
            flags |= FLAG_INHERIT | FLAG_EXCLUDE_KERNEL | FLAG_EXCLUDE_HV | FLAG_EXCLUDE_CALLCHAIN_KERNEL;
        }
        return flags;
    }

    /** Encodes the attribute block; unused fields stay zero. */
    public MemorySegment encode(Arena arena) {
        MemorySegment attr = arena.allocate(SIZE, 8);
        attr.set(JAVA_INT, OFFSET_TYPE, TYPE_SOFTWARE);
        attr.set(JAVA_INT, OFFSET_SIZE, SIZE);
        attr.set(JAVA_LONG, OFFSET_CONFIG, SW_CPU_CLOCK);
        attr.set(JAVA_LONG, OFFSET_SAMPLE_FREQ, frequencyHz);
        attr.set(JAVA_LONG, OFFSET_SAMPLE_TYPE, sampleType());
        attr.set(JAVA_LONG, OFFSET_FLAGS, flags());
        attr.set(JAVA_INT, OFFSET_WAKEUP, wakeupBytes);
        if (userStack()) {
            attr.set(JAVA_LONG, OFFSET_SAMPLE_REGS_USER, REGS_USER_MASK_X86_64);
            attr.set(JAVA_INT, OFFSET_SAMPLE_STACK_USER, userStackBytes);
        }
        return attr;
    }
}
