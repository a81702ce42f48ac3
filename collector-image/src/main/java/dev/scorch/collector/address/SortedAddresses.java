package dev.scorch.collector.address;

/**
 * Search in ascending arrays of addresses. Addresses are compared as unsigned: kernel and
 * high user-space addresses have the top bit set, which signed order would put first.
 */
public final class SortedAddresses {

    private SortedAddresses() {
    }

    /** Index of the last of {@code sorted} at or below {@code address}, or -1 when all lie above it. */
    public static int floor(long[] sorted, long address) {
        int low = 0;
        int high = sorted.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(sorted[mid], address) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    /**
     * Index in {@code [from, to)} of the last of {@code offsets} (ascending, unsigned 32-bit offsets
     * from a base) at or below {@code key}, or -1 when all of them lie above it.
     */
    public static int floor(int[] offsets, int from, int to, int key) {
        int low = from;
        int high = to - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Integer.compareUnsigned(offsets[mid], key) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }
}
