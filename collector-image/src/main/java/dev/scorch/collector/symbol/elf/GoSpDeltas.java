package dev.scorch.collector.symbol.elf;

import java.util.Arrays;

/**
 * One function's SP deltas: {@code values[i]} holds at offsets from {@code entry} below
 * {@code ends[i]} (ascending) and at or above the previous end; past the last end the table
 * does not say.
 */
public record GoSpDeltas(long entry, long end, int[] ends, int[] values) {

    /** A pcsp table longer than this is not believed (Go's are tens of bytes per function). */
    static final int MAX_PC_VALUE_BYTES = 4096;
    /** A pcsp row takes two bytes at the least. */
    public static final int MAX_ROWS = MAX_PC_VALUE_BYTES / 2;
    /** An SP delta the table cannot tell. */
    public static final int UNKNOWN = Integer.MIN_VALUE;

    public boolean contains(long address) {
        return Long.compareUnsigned(address, entry) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /** The SP delta at {@code address} of this function, or {@link #UNKNOWN}. */
    public int at(long address) {
        long offset = address - entry;
        for (int i = 0; i < ends.length; i++) {
            if (offset < ends[i]) {
                return values[i];
            }
        }
        return UNKNOWN;
    }

    /**
     * Decodes the pcsp table {@code table} of the function at {@code [entry, end)}: pairs of
     * varints, a zigzag value delta and a pc delta in units of {@code pcQuantum}.
     */
    static GoSpDeltas decode(long entry, long end, byte[] table, int pcQuantum) {
        int[] ends = new int[table.length / 2];
        int[] values = new int[ends.length];
        int rows = 0;
        int position = 0;
        long offset = 0;
        long size = Math.min(end - entry, Integer.MAX_VALUE);
        int value = -1;
        long[] read = new long[1];
        for (boolean first = true; rows < ends.length && offset < size; first = false) {
            int next = varint(table, position, read);
            if (next < 0 || (read[0] == 0 && !first)) {
                break; // a zero value delta after the first row ends the table
            }
            value += (int) ((read[0] & 1) != 0 ? ~(read[0] >>> 1) : read[0] >>> 1);
            position = varint(table, next, read);
            if (position < 0 || Long.compareUnsigned(read[0], size) > 0) {
                break;
            }
            offset = Math.min(size, offset + read[0] * pcQuantum);
            ends[rows] = (int) offset;
            values[rows] = value;
            rows++;
        }
        return new GoSpDeltas(entry, end, Arrays.copyOf(ends, rows), Arrays.copyOf(values, rows));
    }

    /** Reads an unsigned varint at {@code at} into {@code into[0]}; the position after it, or -1 past the end. */
    private static int varint(byte[] bytes, int at, long[] into) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at >= bytes.length) {
                return -1;
            }
            int b = bytes[at++] & 0xFF;
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                into[0] = value;
                return at;
            }
        }
        return -1;
    }
}
