package dev.scorch.collector.perf;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Decodes perf records laid out for {@link EventAttributes#SAMPLE_TYPE} (optionally with the user
 * registers and stack copy of {@link EventAttributes#SAMPLE_TYPE_WITH_USER_STACK}) with
 * {@code sample_id_all}. Every read is checked against the record's own size, so a corrupt or
 * hostile record is reported to {@link RecordHandler#malformed} and skipped, never thrown.
 *
 * <p>One file past the usual size: it decodes every record type of the one layout {@link
 * EventAttributes} asks the kernel for, so the offsets here change together with those flags.
 */
public final class RecordDecoder {

    public static final int HEADER_SIZE = 8;

    static final int RECORD_MMAP = 1;
    static final int RECORD_LOST = 2;
    static final int RECORD_COMM = 3;
    static final int RECORD_EXIT = 4;
    static final int RECORD_THROTTLE = 5;
    static final int RECORD_UNTHROTTLE = 6;
    static final int RECORD_FORK = 7;
    static final int RECORD_SAMPLE = 9;
    static final int RECORD_MMAP2 = 10;
    static final int RECORD_LOST_SAMPLES = 13;

    static final int MISC_CPUMODE_MASK = 7;
    static final int MISC_KERNEL = 1;
    static final int MISC_COMM_EXEC = 1 << 13;
    static final int MISC_MMAP_BUILD_ID = 1 << 14;

    static final long CONTEXT_HV = -32;
    static final long CONTEXT_KERNEL = -128;
    static final long CONTEXT_USER = -512;
    static final long CONTEXT_MAX = -4095;

    static final int PROT_EXEC = 4;

    /** The sample_id trailer for our sample_type: {pid, tid}, time, {cpu, res}. */
    static final int SAMPLE_ID_SIZE = 24;
    static final int SAMPLE_ID_TIME_OFFSET = 8;
    /** Fixed part of a sample before the callchain's ips: header, ip, pid/tid, time, cpu, period, nr. */
    static final int SAMPLE_FIXED_SIZE = 56;
    static final int MMAP2_FILENAME_OFFSET = 72;
    /** The registers of {@link EventAttributes#REGS_USER_MASK_X86_64}, in the order the kernel writes them. */
    static final int USER_REGISTERS = 3;
    static final long REGS_ABI_NONE = 0;

    private final boolean userStack;
    private final SampleRecord sample = new SampleRecord();
    /** The raw callchain of the sample being decoded; a record of at most 64 KiB holds fewer entries. */
    private final long[] callchain = new long[(0xFFFF - SAMPLE_FIXED_SIZE) / 8 + 1];
    /** A record's string (file name, command) copied out in one bulk copy; grown to the longest seen, at most 64 KiB. */
    private byte[] text = new byte[256];

    /** A decoder of samples without the user registers and stack. */
    public RecordDecoder() {
        this(false);
    }

    /** @param userStack whether samples carry {@code PERF_SAMPLE_REGS_USER} and {@code PERF_SAMPLE_STACK_USER} */
    public RecordDecoder(boolean userStack) {
        this.userStack = userStack;
    }

    /**
     * Decodes the record of {@code size} bytes at {@code offset} of {@code segment}. The caller has
     * checked that the segment holds that many bytes.
     */
    public void decode(MemorySegment segment, long offset, int size, RecordHandler handler) {
        int type = segment.get(JAVA_INT_UNALIGNED, offset);
        int misc = Short.toUnsignedInt(segment.get(JAVA_SHORT_UNALIGNED, offset + 4));
        switch (type) {
            case RECORD_SAMPLE -> decodeSample(segment, offset, size, misc, handler);
            case RECORD_MMAP2 -> decodeMmap2(segment, offset, size, misc, handler);
            case RECORD_COMM -> decodeComm(segment, offset, size, misc, handler);
            case RECORD_FORK, RECORD_EXIT -> decodeTask(segment, offset, size, type, handler);
            case RECORD_LOST -> {
                if (requireSize(size, 24, type, handler)) {
                    handler.lost(segment.get(JAVA_LONG_UNALIGNED, offset + 16));
                }
            }
            case RECORD_LOST_SAMPLES -> {
                if (requireSize(size, 16, type, handler)) {
                    handler.lost(segment.get(JAVA_LONG_UNALIGNED, offset + 8));
                }
            }
            case RECORD_THROTTLE, RECORD_UNTHROTTLE -> handler.throttled(type == RECORD_THROTTLE);
            default -> {
                // MMAP (we ask for MMAP2), CGROUP, KSYMBOL and others carry nothing the collector uses.
            }
        }
    }

    private void decodeSample(MemorySegment segment, long offset, int size, int misc, RecordHandler handler) {
        if (!requireSize(size, SAMPLE_FIXED_SIZE, RECORD_SAMPLE, handler)) {
            return;
        }
        long frames = segment.get(JAVA_LONG_UNALIGNED, offset + 48);
        long room = (size - SAMPLE_FIXED_SIZE) / 8;
        if (frames < 0 || frames > room) {
            handler.malformed(RECORD_SAMPLE, "callchain of " + frames + " frames does not fit a " + size + "-byte record");
            return;
        }
        SampleRecord s = sample;
        s.pid = segment.get(JAVA_INT_UNALIGNED, offset + 16);
        s.tid = segment.get(JAVA_INT_UNALIGNED, offset + 20);
        s.timeNanos = segment.get(JAVA_LONG_UNALIGNED, offset + 24);
        s.cpu = segment.get(JAVA_INT_UNALIGNED, offset + 32);
        s.period = segment.get(JAVA_LONG_UNALIGNED, offset + 40);
        s.kernelDepth = 0;
        s.userDepth = 0;
        s.userRegisters = false;
        s.stack = null;
        s.stackBytes = 0;
        if (userStack && !decodeUserStack(segment, offset, size, SAMPLE_FIXED_SIZE + 8 * frames, handler)) {
            return;
        }
        // Frames before the first context marker belong to the context the sample was taken in.
        int context = (misc & MISC_CPUMODE_MASK) == MISC_KERNEL ? 1 : 2;
        // One bulk copy instead of a memory-segment access per frame: the collector's JIT (C1
        // only) does not reduce those accesses to plain loads, and callchains are long.
        long[] chain = callchain;
        MemorySegment.copy(segment, JAVA_LONG_UNALIGNED, offset + SAMPLE_FIXED_SIZE, chain, 0, (int) frames);
        for (int i = 0; i < frames; i++) {
            long ip = chain[i];
            if (Long.compareUnsigned(ip, CONTEXT_MAX) >= 0) {
                context = ip == CONTEXT_KERNEL ? 1 : ip == CONTEXT_USER ? 2 : 0;
            } else if (context == 1) {
                if (s.kernelDepth < SampleRecord.MAX_FRAMES) {
                    s.kernelIps[s.kernelDepth++] = ip;
                }
            } else if (context == 2) {
                if (s.userDepth < SampleRecord.MAX_FRAMES) {
                    s.userIps[s.userDepth++] = ip;
                }
            }
        }
        handler.sample(s);
    }

    /**
     * Reads {abi, regs[abi ? 3 : 0]} and {size, data[size], dyn_size if size} after the callchain.
     * The copied stack stays in the record (the handler reads it during its call).
     */
    private boolean decodeUserStack(MemorySegment segment, long offset, int size, long at, RecordHandler handler) {
        SampleRecord s = sample;
        if (at + 16 > size) {
            handler.malformed(RECORD_SAMPLE, "no room for the user registers in a " + size + "-byte record");
            return false;
        }
        long abi = segment.get(JAVA_LONG_UNALIGNED, offset + at);
        at += 8;
        if (abi != REGS_ABI_NONE) {
            if (at + 8L * USER_REGISTERS + 8 > size) {
                handler.malformed(RECORD_SAMPLE, "user registers do not fit a " + size + "-byte record");
                return false;
            }
            s.bp = segment.get(JAVA_LONG_UNALIGNED, offset + at);
            s.sp = segment.get(JAVA_LONG_UNALIGNED, offset + at + 8);
            s.ip = segment.get(JAVA_LONG_UNALIGNED, offset + at + 16);
            s.userRegisters = true;
            at += 8L * USER_REGISTERS;
        }
        long copied = segment.get(JAVA_LONG_UNALIGNED, offset + at);
        at += 8;
        if (copied == 0) {
            return true;
        }
        if (copied < 0 || copied > size - at - 8) {
            handler.malformed(RECORD_SAMPLE, "user stack of " + copied + " bytes does not fit a " + size + "-byte record");
            return false;
        }
        long dynamic = segment.get(JAVA_LONG_UNALIGNED, offset + at + copied);
        if (dynamic < 0 || dynamic > copied) {
            handler.malformed(RECORD_SAMPLE, "user stack dyn_size " + dynamic + " exceeds the " + copied + " bytes copied");
            return false;
        }
        s.stack = segment;
        s.stackOffset = offset + at;
        s.stackBytes = s.userRegisters ? dynamic : 0;
        return true;
    }

    private void decodeMmap2(MemorySegment segment, long offset, int size, int misc, RecordHandler handler) {
        if (!requireSize(size, MMAP2_FILENAME_OFFSET + SAMPLE_ID_SIZE, RECORD_MMAP2, handler)) {
            return;
        }
        int prot = segment.get(JAVA_INT_UNALIGNED, offset + 64);
        if ((prot & PROT_EXEC) == 0) {
            return;
        }
        int pid = segment.get(JAVA_INT_UNALIGNED, offset + 8);
        long start = segment.get(JAVA_LONG_UNALIGNED, offset + 16);
        long length = segment.get(JAVA_LONG_UNALIGNED, offset + 24);
        long fileOffset = segment.get(JAVA_LONG_UNALIGNED, offset + 32);
        long inode = (misc & MISC_MMAP_BUILD_ID) != 0 ? 0 : segment.get(JAVA_LONG_UNALIGNED, offset + 48);
        String path = string(segment, offset + MMAP2_FILENAME_OFFSET, offset + size - SAMPLE_ID_SIZE);
        handler.mmap(pid, start, length, fileOffset, inode, path, trailerTime(segment, offset, size));
    }

    private void decodeComm(MemorySegment segment, long offset, int size, int misc, RecordHandler handler) {
        if (!requireSize(size, 16 + SAMPLE_ID_SIZE, RECORD_COMM, handler)) {
            return;
        }
        int pid = segment.get(JAVA_INT_UNALIGNED, offset + 8);
        int tid = segment.get(JAVA_INT_UNALIGNED, offset + 12);
        String command = string(segment, offset + 16, offset + size - SAMPLE_ID_SIZE);
        handler.comm(pid, tid, command, (misc & MISC_COMM_EXEC) != 0, trailerTime(segment, offset, size));
    }

    private static void decodeTask(MemorySegment segment, long offset, int size, int type, RecordHandler handler) {
        if (!requireSize(size, 32, type, handler)) {
            return;
        }
        int pid = segment.get(JAVA_INT_UNALIGNED, offset + 8);
        int parentPid = segment.get(JAVA_INT_UNALIGNED, offset + 12);
        int tid = segment.get(JAVA_INT_UNALIGNED, offset + 16);
        long time = segment.get(JAVA_LONG_UNALIGNED, offset + 24);
        if (type == RECORD_FORK) {
            handler.fork(pid, parentPid, tid, time);
        } else {
            handler.exit(pid, tid, time);
        }
    }

    private static long trailerTime(MemorySegment segment, long offset, int size) {
        return segment.get(JAVA_LONG_UNALIGNED, offset + size - SAMPLE_ID_SIZE + SAMPLE_ID_TIME_OFFSET);
    }

    private static boolean requireSize(int size, int minimum, int type, RecordHandler handler) {
        if (size < minimum) {
            handler.malformed(type, "record of " + size + " bytes is shorter than the " + minimum + " its type needs");
            return false;
        }
        return true;
    }

    /**
     * A NUL-terminated string in [from, to); unterminated strings end at {@code to}. One bulk copy
     * and the string itself: the host's process churn brings an MMAP2 or COMM record for every
     * exec, and a slice, its array and a byte-at-a-time scan per record showed in the sampler
     * thread's allocation.
     */
    private String string(MemorySegment segment, long from, long to) {
        int length = (int) Math.max(0, to - from);
        if (text.length < length) {
            text = new byte[Math.max(length, text.length * 2)];
        }
        MemorySegment.copy(segment, JAVA_BYTE, from, text, 0, length);
        int end = 0;
        while (end < length && text[end] != 0) {
            end++;
        }
        return new String(text, 0, end, StandardCharsets.UTF_8);
    }
}
