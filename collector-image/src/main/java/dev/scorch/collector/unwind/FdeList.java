package dev.scorch.collector.unwind;

import java.util.Arrays;

/**
 * The FDEs with code, as their starts and entry offsets in two arrays (12 bytes an FDE): each is
 * read again at its entry when its program runs, rather than held as an object meanwhile.
 */
final class FdeList {
    long[] starts = new long[256];
    int[] entries = new int[256];
    int size;

    void add(long start, int entry) {
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            entries = Arrays.copyOf(entries, size * 2);
        }
        starts[size] = start;
        entries[size++] = entry;
    }

    /**
     * The entries in order of their starts, equal starts in section order. A linker writes them
     * mostly sorted already; otherwise each start's distance from the lowest, which a table's
     * 4-byte offsets bound, is sorted with its position.
     */
    int[] byStart() throws CfiFormatException {
        int[] order = Arrays.copyOf(entries, size);
        entries = null;
        boolean sorted = true;
        long lowest = size == 0 ? 0 : starts[0];
        for (int i = 1; i < size; i++) {
            sorted &= Long.compareUnsigned(starts[i - 1], starts[i]) <= 0;
            lowest = Long.compareUnsigned(starts[i], lowest) < 0 ? starts[i] : lowest;
        }
        if (sorted) {
            return order;
        }
        if (size > 1 << 24) {
            throw new CfiFormatException(size + " FDEs");
        }
        long[] keys = new long[size];
        for (int i = 0; i < size; i++) {
            long delta = starts[i] - lowest;
            if (delta > 0xFFFF_FFFFL || delta < 0) {
                throw new CfiFormatException("call-frame information spans more than 4 GiB of addresses");
            }
            keys[i] = delta << 24 | i;
        }
        Arrays.sort(keys);
        int[] byStart = new int[size];
        for (int i = 0; i < size; i++) {
            byStart[i] = order[(int) (keys[i] & 0xFF_FFFF)];
        }
        return byStart;
    }
}
