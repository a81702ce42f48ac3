package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.address.SortedAddresses;
import java.util.Arrays;
import java.util.function.IntToLongFunction;

/**
 * Ascending address ranges {@code [start, end)} in 4 to 8 bytes each where two 8-byte arrays took
 * 16. A start is a 4-byte unsigned offset from the base of its segment; a new segment begins
 * wherever a start lies 4 GiB or more past the current base, so a table spanning any distance stays
 * exact (a kernel's 1 GiB of text, a binary's few MiB: one segment). An end that is the next
 * range's start (the top of the address space for the last range) is not stored, and when every
 * end is, there is no array of ends; other ends are 4-byte sizes, or, in a table where some size
 * does not fit in 32 bits (a hostile or absurd symbol size), 8-byte ends for the whole table.
 */
final class AddressRanges {

    /** A size meaning "until the next start"; a real size of this value forces 8-byte ends. */
    private static final int UNTIL_NEXT = -1;
    private static final long MAX_OFFSET = 0xFFFF_FFFFL;

    private final long[] segmentBases;
    private final int[] segmentFirsts;
    private final int[] offsets;
    private final int[] sizes;
    private final long[] wideEnds;

    private AddressRanges(long[] segmentBases, int[] segmentFirsts, int[] offsets, int[] sizes, long[] wideEnds) {
        this.segmentBases = segmentBases;
        this.segmentFirsts = segmentFirsts;
        this.offsets = offsets;
        this.sizes = sizes;
        this.wideEnds = wideEnds;
    }

    /**
     * @param starts range {@code i}'s start, ascending (unsigned), no duplicates
     * @param ends range {@code i}'s end
     */
    static AddressRanges of(int count, IntToLongFunction starts, IntToLongFunction ends) {
        long[] bases = new long[1];
        int[] firsts = new int[1];
        int segments = 0;
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            long start = starts.applyAsLong(i);
            if (segments == 0 || Long.compareUnsigned(start - bases[segments - 1], MAX_OFFSET) > 0) {
                if (segments == bases.length) {
                    bases = Arrays.copyOf(bases, segments * 2);
                    firsts = Arrays.copyOf(firsts, segments * 2);
                }
                bases[segments] = start;
                firsts[segments++] = i;
            }
            offsets[i] = (int) (start - bases[segments - 1]);
        }
        boolean everyEndIsNextStart = true;
        boolean sizesFit = true;
        for (int i = 0; i < count; i++) {
            long end = ends.applyAsLong(i);
            if (end != nextStart(starts, count, i)) {
                everyEndIsNextStart = false;
                sizesFit &= Long.compareUnsigned(end - starts.applyAsLong(i), MAX_OFFSET) < 0;
            }
        }
        int[] sizes = null;
        long[] wideEnds = null;
        if (!everyEndIsNextStart && sizesFit) {
            sizes = new int[count];
            for (int i = 0; i < count; i++) {
                long end = ends.applyAsLong(i);
                sizes[i] = end == nextStart(starts, count, i) ? UNTIL_NEXT : (int) (end - starts.applyAsLong(i));
            }
        } else if (!everyEndIsNextStart) {
            wideEnds = new long[count];
            for (int i = 0; i < count; i++) {
                wideEnds[i] = ends.applyAsLong(i);
            }
        }
        return new AddressRanges(Arrays.copyOf(bases, segments), Arrays.copyOf(firsts, segments), offsets, sizes, wideEnds);
    }

    private static long nextStart(IntToLongFunction starts, int count, int index) {
        return index + 1 < count ? starts.applyAsLong(index + 1) : -1L; // -1: the unsigned maximum
    }

    int size() {
        return offsets.length;
    }

    /** Index of the last range starting at or below {@code address} (unsigned), or -1. */
    int floor(long address) {
        int segment = SortedAddresses.floor(segmentBases, address);
        if (segment < 0) {
            return -1;
        }
        int first = segmentFirsts[segment];
        int end = segmentEnd(segment);
        long delta = address - segmentBases[segment];
        if ((delta >>> 32) != 0) {
            return end - 1;
        }
        // A segment's base is its first range's start, so its first offset (0) is always at or below the key.
        return Math.max(first, SortedAddresses.floor(offsets, first, end, (int) delta));
    }

    long start(int index) {
        int segment = Arrays.binarySearch(segmentFirsts, index);
        if (segment < 0) {
            segment = -segment - 2;
        }
        return segmentBases[segment] + Integer.toUnsignedLong(offsets[index]);
    }

    /** The end of range {@code index}, which starts at {@code start}. */
    long end(int index, long start) {
        if (wideEnds != null) {
            return wideEnds[index];
        }
        int size = sizes == null ? UNTIL_NEXT : sizes[index];
        if (size != UNTIL_NEXT) {
            return start + Integer.toUnsignedLong(size);
        }
        return index + 1 < offsets.length ? start(index + 1) : -1L;
    }

    /** Heap bytes held (array headers counted at 16 bytes). */
    long estimatedBytes() {
        return 32 + 16 + segmentBases.length * 8L + 16 + segmentFirsts.length * 4L + 16 + offsets.length * 4L
                + (sizes == null ? 0 : 16 + sizes.length * 4L) + (wideEnds == null ? 0 : 16 + wideEnds.length * 8L);
    }

    private int segmentEnd(int segment) {
        return segment + 1 < segmentFirsts.length ? segmentFirsts[segment + 1] : offsets.length;
    }
}
