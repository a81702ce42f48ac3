package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads small fields of a {@link ByteSource} through one cached block: a sequential scan of a large
 * table costs one read per block and a fixed buffer, never a copy of the table on the heap. Every
 * read is bounds-checked by the source and charged to the parse's budget, so a scan that jumps
 * around (hostile offsets defeat the cache) runs out of budget instead of time. Not thread-safe:
 * one reader per scan.
 */
final class BlockReader {

    private final ByteSource source;
    private final ParseBudget budget;
    private final byte[] block;
    private final ByteBuffer view;
    private long blockStart = -1;
    private int blockLength;

    BlockReader(ByteSource source, ByteOrder order, int blockSize, ParseBudget budget) {
        this.source = source;
        this.budget = budget;
        this.block = new byte[blockSize];
        this.view = ByteBuffer.wrap(block).order(order);
    }

    byte byteAt(long offset) throws IOException, ElfFormatException {
        return block[load(offset, 1)];
    }

    int int32(long offset) throws IOException, ElfFormatException {
        return view.getInt(load(offset, 4));
    }

    /** An unsigned 4-byte or a signed 8-byte field, as Go's tables store offsets and pcs. */
    long field(long offset, int size) throws IOException, ElfFormatException {
        int at = load(offset, size);
        return size == 8 ? view.getLong(at) : Integer.toUnsignedLong(view.getInt(at));
    }

    /**
     * Length of the NUL-terminated string at {@code offset}, which must end before {@code limit}
     * and within {@code maxLength} bytes; 0 when it does not (or starts outside the source).
     */
    int cStringLength(long offset, long limit, int maxLength) throws IOException, ElfFormatException {
        long end = Math.min(limit, Math.min(source.size(), offset + maxLength));
        for (long at = offset; at < end; at++) {
            if (byteAt(at) == 0) {
                budget.steps(at - offset + 1);
                return (int) (at - offset);
            }
        }
        budget.steps(Math.max(0, end - offset));
        return 0;
    }

    /** Index in the block of {@code [offset, offset + length)}, reading a new block when it is not cached. */
    private int load(long offset, int length) throws IOException, ElfFormatException {
        if (blockStart >= 0 && offset >= blockStart && offset - blockStart <= blockLength - length) {
            return (int) (offset - blockStart);
        }
        source.requireRange(offset, length, "read");
        int size = (int) Math.min(block.length, source.size() - offset);
        budget.read(size);
        source.read(offset, block, size);
        blockStart = offset;
        blockLength = size;
        return 0;
    }
}
