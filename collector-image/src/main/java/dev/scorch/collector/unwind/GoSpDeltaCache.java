package dev.scorch.collector.unwind;

import dev.scorch.collector.address.SortedAddresses;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import dev.scorch.collector.symbol.elf.GoPclntab;
import dev.scorch.collector.symbol.elf.GoSpDeltas;

import java.io.IOException;
import java.util.Arrays;

/**
 * The SP-delta tables of the Go functions the unwinder has met in one binary. The unwinder asks
 * for every Go leaf sample, and answering from the file reads it three times (function table
 * slice, {@code _func} field, pcsp table); here the first sample of a function reads its whole
 * table, and every later sample of any of its addresses is answered from memory, whatever the
 * address, the function's size or its number of rows.
 *
 * <p>Kept as flat sorted arrays, replaced whole when a function is added: a miss happens once per
 * function, a hit is two binary searches over one snapshot, without a lock or an object per
 * function. Bounded by {@link #MAX_FUNCTIONS} and {@link #MAX_ROWS}: a function that would pass
 * either starts the cache over with itself alone, which costs the functions kept one read each
 * again and needs no bookkeeping of which was used last. Thread-safe: two racing misses may keep
 * only one of their functions, and the other is read again on its next sample.
 */
final class GoSpDeltaCache {

    /** A busy Go program's leaves lie in tens to hundreds of functions. */
    static final int MAX_FUNCTIONS = 512;
    /** Go functions have a handful of rows each; the largest table the file may give fits alone. */
    static final int MAX_ROWS = Math.max(4096, GoSpDeltas.MAX_ROWS);

    private final GoPclntab go;
    private volatile Functions functions = Functions.NONE;

    GoSpDeltaCache(GoPclntab go) {
        this.go = go;
    }

    /**
     * The SP delta at link-time {@code address}, or {@link GoSpDeltas#UNKNOWN} when the
     * table does not say or cannot be read (not kept: a later sample may read it).
     */
    int at(long address) {
        Functions kept = functions;
        int function = kept.containing(address);
        if (function >= 0) {
            return kept.at(function, address);
        }
        GoSpDeltas read;
        try {
            read = go.spDeltas(address);
        } catch (IOException | ElfFormatException | RuntimeException e) {
            return GoSpDeltas.UNKNOWN;
        }
        if (read == null) {
            return GoSpDeltas.UNKNOWN;
        }
        functions = kept.with(read);
        return read.at(address);
    }

    /** Heap bytes held when full, for the cache bound. */
    static long estimatedBytes() {
        return 64 + MAX_FUNCTIONS * 20L + MAX_ROWS * 8L;
    }

    /**
     * Function {@code i} covers link-time addresses {@code [entries[i], ends[i])}; its rows are
     * {@code firstRows[i]} up to {@code firstRows[i + 1]} of {@code rowEnds} (offsets from the
     * entry, ascending) and {@code rowValues}.
     */
    private record Functions(long[] entries, long[] ends, int[] firstRows, int[] rowEnds, int[] rowValues) {

        static final Functions NONE = new Functions(new long[0], new long[0], new int[1], new int[0], new int[0]);

        /** Index of the function containing {@code address}, or -1. */
        int containing(long address) {
            int i = SortedAddresses.floor(entries, address);
            return i >= 0 && Long.compareUnsigned(address, ends[i]) < 0 ? i : -1;
        }

        int at(int function, long address) {
            long offset = address - entries[function];
            int low = firstRows[function];
            int high = firstRows[function + 1] - 1;
            int found = -1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                if (offset < rowEnds[mid]) {
                    found = mid;
                    high = mid - 1;
                } else {
                    low = mid + 1;
                }
            }
            return found < 0 ? GoSpDeltas.UNKNOWN : rowValues[found];
        }

        /** These functions and {@code added} in entry order; {@code added} alone when that would pass a bound. */
        Functions with(GoSpDeltas added) {
            int rows = added.ends().length;
            Functions base = entries.length + 1 > MAX_FUNCTIONS || rowEnds.length + rows > MAX_ROWS ? NONE : this;
            int at = SortedAddresses.floor(base.entries, added.entry()) + 1;
            int n = base.entries.length;
            long[] newEntries = insert(base.entries, at, added.entry());
            long[] newEnds = insert(base.ends, at, added.end());
            int rowAt = base.firstRows[at];
            int[] newFirstRows = new int[n + 2];
            System.arraycopy(base.firstRows, 0, newFirstRows, 0, at + 1);
            for (int i = at; i <= n; i++) {
                newFirstRows[i + 1] = base.firstRows[i] + rows;
            }
            return new Functions(newEntries, newEnds, newFirstRows, insert(base.rowEnds, rowAt, added.ends()),
                    insert(base.rowValues, rowAt, added.values()));
        }

        private static long[] insert(long[] into, int at, long value) {
            long[] result = Arrays.copyOf(into, into.length + 1);
            System.arraycopy(into, at, result, at + 1, into.length - at);
            result[at] = value;
            return result;
        }

        private static int[] insert(int[] into, int at, int[] values) {
            int[] result = new int[into.length + values.length];
            System.arraycopy(into, 0, result, 0, at);
            System.arraycopy(values, 0, result, at, values.length);
            System.arraycopy(into, at, result, at + values.length, into.length - at);
            return result;
        }
    }
}
