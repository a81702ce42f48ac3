package dev.scorch.collector.perf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Reader of a perf mmap ring buffer: a metadata page followed by a power-of-two data area. The
 * kernel advances {@code data_head}; we read it with acquire semantics, decode the records up to
 * it in place, and publish {@code data_tail} with release semantics so the kernel may reuse the
 * space. Only a record that wraps around the end of the data area is copied (once, into a
 * scratch buffer).
 */
public final class RingBuffer {

    static final long DATA_HEAD = 1024;
    static final long DATA_TAIL = 1032;
    private static final int MAX_RECORD_SIZE = 0xFFFF;
    /** VarHandle over (segment, offset) for the head/tail words. */
    private static final VarHandle WORD = JAVA_LONG.varHandle();

    private final MemorySegment control;
    private final MemorySegment data;
    private final long mask;
    private final MemorySegment scratch;
    private long malformed;
    private long bytesRead;

    /**
     * @param mapping the whole mapping: one metadata page plus {@code dataSize} bytes
     * @param pageSize the metadata page size
     */
    RingBuffer(MemorySegment mapping, long pageSize, Arena scratchArena) {
        long dataSize = mapping.byteSize() - pageSize;
        if (Long.bitCount(dataSize) != 1) {
            throw new IllegalArgumentException("perf data area must be a power of two, was " + dataSize);
        }
        this.control = mapping;
        this.data = mapping.asSlice(pageSize, dataSize);
        this.mask = dataSize - 1;
        this.scratch = scratchArena.allocate(MAX_RECORD_SIZE + 1, 8);
    }

    /** A ring over an ordinary segment, for tests and fuzzing: metadata page, then data. */
    public static RingBuffer over(MemorySegment mapping, long pageSize, Arena scratchArena) {
        return new RingBuffer(mapping, pageSize, scratchArena);
    }

    public long dataSize() {
        return data.byteSize();
    }

    /** Records the decoder could not frame (a size that cannot be right); the rest is skipped. */
    public long malformed() {
        return malformed;
    }

    /** Bytes of records read so far (the traffic through this buffer). */
    public long bytesRead() {
        return bytesRead;
    }

    /** Whether records are waiting. */
    public boolean hasData() {
        return (long) WORD.getAcquire(control, DATA_HEAD) != (long) WORD.getAcquire(control, DATA_TAIL);
    }

    /**
     * Decodes every complete record between tail and head, then releases the space.
     *
     * @return the number of records read
     */
    public int drain(RecordDecoder decoder, RecordHandler handler) {
        long head = (long) WORD.getAcquire(control, DATA_HEAD);
        long tail = (long) WORD.get(control, DATA_TAIL);
        int records = 0;
        while (tail < head) {
            int size = decodeAt(tail, head - tail, decoder, handler);
            if (size == 0) {
                tail = head;
                break;
            }
            tail += size;
            records++;
        }
        bytesRead += tail - (long) WORD.get(control, DATA_TAIL);
        WORD.setRelease(control, DATA_TAIL, tail);
        return records;
    }

    /**
     * Decodes the record at {@code tail}. A method of its own, called once per record, so the JIT
     * compiles it within the first few hundred records: a loop body is compiled only after tens of
     * thousands of iterations (minutes at 99 Hz), and interpreted memory-segment access is slow.
     *
     * @return the record's size, or 0 when the size cannot be right (the caller skips the rest)
     */
    private int decodeAt(long tail, long available, RecordDecoder decoder, RecordHandler handler) {
        long position = tail & mask;
        // Records are 8-byte aligned and the data area is a multiple of 8: a header never wraps.
        int type = data.get(JAVA_INT_UNALIGNED, position);
        int size = Short.toUnsignedInt(data.get(JAVA_SHORT_UNALIGNED, position + 6));
        if (size < RecordDecoder.HEADER_SIZE || size > available || (size & 7) != 0) {
            malformed++;
            handler.malformed(type, "record size " + size + " with " + available + " bytes in the buffer; skipping the rest");
            return 0;
        }
        if (position + size <= data.byteSize()) {
            decoder.decode(data, position, size, handler);
        } else {
            long first = data.byteSize() - position;
            MemorySegment.copy(data, position, scratch, 0, first);
            MemorySegment.copy(data, 0, scratch, first, size - first);
            decoder.decode(scratch, 0, size, handler);
        }
        return size;
    }
}
