package dev.scorch.collector.perf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes perf records in the kernel's layout for {@link EventAttributes#SAMPLE_TYPE} (and
 * {@link EventAttributes#SAMPLE_TYPE_WITH_USER_STACK}) with sample_id_all: the input of the
 * class-data training, which has no perf access ({@code cli.ClassDataTraining}), and of the
 * decoder tests and fuzz corpus.
 */
public final class PerfRecords {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long time = 1;

    public PerfRecords sample(int pid, int tid, int cpu, long time, long period, long[] kernelIps, long[] userIps) {
        int frames = (kernelIps.length > 0 ? 1 + kernelIps.length : 0) + (userIps.length > 0 ? 1 + userIps.length : 0);
        ByteBuffer b = record(RecordDecoder.RECORD_SAMPLE, kernelIps.length > 0 ? 1 : 2, 56 + 8 * frames);
        b.putLong(kernelIps.length > 0 ? kernelIps[0] : userIps.length > 0 ? userIps[0] : 0);
        b.putInt(pid).putInt(tid).putLong(time).putInt(cpu).putInt(0).putLong(period).putLong(frames);
        if (kernelIps.length > 0) {
            b.putLong(RecordDecoder.CONTEXT_KERNEL);
            for (long ip : kernelIps) {
                b.putLong(ip);
            }
        }
        if (userIps.length > 0) {
            b.putLong(RecordDecoder.CONTEXT_USER);
            for (long ip : userIps) {
                b.putLong(ip);
            }
        }
        return append(b);
    }

    /**
     * A user-mode sample in the {@link EventAttributes#SAMPLE_TYPE_WITH_USER_STACK} layout: the
     * callchain, {abi 64, bp, sp, ip} and {size, stack, dyn_size}; {@code stack} is copied from
     * {@code sp} up and padded with zeroes to {@code copySize}.
     */
    public PerfRecords sampleWithUserStack(int pid, long[] userIps, long bp, long sp, long ip, long[] stack, int copySize) {
        int frames = 1 + userIps.length;
        ByteBuffer b = record(RecordDecoder.RECORD_SAMPLE, 2, 56 + 8 * frames + 8 + 24 + 8 + copySize + 8);
        b.putLong(ip).putInt(pid).putInt(pid).putLong(time).putInt(0).putInt(0).putLong(1).putLong(frames);
        b.putLong(RecordDecoder.CONTEXT_USER);
        for (long frame : userIps) {
            b.putLong(frame);
        }
        b.putLong(2).putLong(bp).putLong(sp).putLong(ip);
        b.putLong(copySize);
        for (int i = 0; i < copySize / 8; i++) {
            b.putLong(i < stack.length ? stack[i] : 0);
        }
        b.putLong(Math.min(copySize, 8L * stack.length));
        return append(b);
    }

    /** A sample of a kernel thread in the user-stack layout: ABI none, no registers, an empty copy. */
    public PerfRecords kernelThreadSampleWithUserStack(int pid, long ip) {
        ByteBuffer b = record(RecordDecoder.RECORD_SAMPLE, 1, 56 + 16 + 8 + 8);
        b.putLong(ip).putInt(pid).putInt(pid).putLong(time).putInt(0).putInt(0).putLong(1).putLong(2);
        b.putLong(RecordDecoder.CONTEXT_KERNEL).putLong(ip);
        b.putLong(0).putLong(0);
        return append(b);
    }

    /** The kernel time the sample_id trailers of the records that follow carry. */
    public PerfRecords at(long timeNanos) {
        time = timeNanos;
        return this;
    }

    public PerfRecords mmap2(int pid, long start, long length, long pgoff, long inode, int prot, String path) {
        byte[] name = padded(path);
        ByteBuffer b = record(RecordDecoder.RECORD_MMAP2, 2, 72 + name.length + RecordDecoder.SAMPLE_ID_SIZE);
        b.putInt(pid).putInt(pid).putLong(start).putLong(length).putLong(pgoff);
        b.putInt(8).putInt(1).putLong(inode).putLong(0);
        b.putInt(prot).putInt(2 /* MAP_PRIVATE */).put(name);
        return append(sampleId(b, pid, time));
    }

    public PerfRecords comm(int pid, int tid, String command, boolean exec) {
        byte[] name = padded(command);
        ByteBuffer b = record(RecordDecoder.RECORD_COMM, exec ? RecordDecoder.MISC_COMM_EXEC : 0, 16 + name.length + RecordDecoder.SAMPLE_ID_SIZE);
        b.putInt(pid).putInt(tid).put(name);
        return append(sampleId(b, pid, time));
    }

    public PerfRecords fork(int pid, int parentPid) {
        return task(RecordDecoder.RECORD_FORK, pid, parentPid);
    }

    public PerfRecords exit(int pid) {
        return task(RecordDecoder.RECORD_EXIT, pid, pid);
    }

    private PerfRecords task(int type, int pid, int parentPid) {
        ByteBuffer b = record(type, 0, 32 + RecordDecoder.SAMPLE_ID_SIZE);
        b.putInt(pid).putInt(parentPid).putInt(pid).putInt(parentPid).putLong(1);
        return append(sampleId(b, pid, time));
    }

    public PerfRecords lost(long count) {
        ByteBuffer b = record(RecordDecoder.RECORD_LOST, 0, 24 + RecordDecoder.SAMPLE_ID_SIZE);
        b.putLong(7).putLong(count);
        return append(sampleId(b, 0, time));
    }

    public PerfRecords throttle() {
        ByteBuffer b = record(RecordDecoder.RECORD_THROTTLE, 0, 32 + RecordDecoder.SAMPLE_ID_SIZE);
        b.putLong(1).putLong(7).putLong(7);
        return append(sampleId(b, 0, time));
    }

    /** Raw bytes, for malformed input. */
    public PerfRecords raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }

    private static ByteBuffer record(int type, int misc, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putShort((short) misc).putShort((short) size);
        return b;
    }

    private static ByteBuffer sampleId(ByteBuffer b, int pid, long time) {
        return b.putInt(pid).putInt(pid).putLong(time).putInt(0).putInt(0);
    }

    private PerfRecords append(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new IllegalStateException("record layout bug: " + b.remaining() + " bytes unwritten");
        }
        out.writeBytes(b.array());
        return this;
    }

    private static byte[] padded(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(bytes.length + 8) & ~7];
        System.arraycopy(bytes, 0, padded, 0, bytes.length);
        return padded;
    }
}
