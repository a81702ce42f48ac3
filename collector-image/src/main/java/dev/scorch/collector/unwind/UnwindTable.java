package dev.scorch.collector.unwind;

import dev.scorch.collector.address.SortedAddresses;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

import java.util.Arrays;

/**
 * One object's call-frame information compiled into rows sorted by link-time address: row i's
 * {@link UnwindRule} holds from its start up to the next row's. An object has hundreds of
 * thousands of rows but only tens to hundreds of distinct rules (651 for gcc's cc1, 60 for
 * libjvm), so a row keeps a one- or two-byte index into the distinct rules: 5 or 6 bytes per row
 * instead of 12, which keeps the tables of a busy node's objects inside the cache's bound instead
 * of evicting and recompiling them. Rows are kept in chunks of {@value #CHUNK_ROWS}, the arrays
 * they were compiled into: a table is never copied whole, so compiling one holds its rows once,
 * not twice (docs/benchmarks.md, "The burst on purpose"). A lookup is a binary search of the
 * chunks' first starts, then of one chunk. Immutable.
 */
public final class UnwindTable {

    static final int CHUNK_ROWS = 1 << 14;
    private static final int CHUNK_SHIFT = 14;
    private static final int CHUNK_MASK = CHUNK_ROWS - 1;

    private final long base;
    private final int rows;
    /** Each chunk's first start, for the first search. */
    private final int[] firstStarts;
    /** Row starts as unsigned offsets from {@code base}; every chunk but the last holds {@link #CHUNK_ROWS}. */
    private final int[][] starts;
    /** The distinct rules, which a row's byte or char index selects. */
    private final long[] rules;
    private final byte[][] byteIndexes;
    private final char[][] charIndexes;

    private UnwindTable(long base, int rows, int[][] starts, long[] rules, byte[][] byteIndexes, char[][] charIndexes) {
        this.base = base;
        this.rows = rows;
        this.starts = starts;
        this.rules = rules;
        this.byteIndexes = byteIndexes;
        this.charIndexes = charIndexes;
        firstStarts = new int[starts.length];
        for (int i = 0; i < starts.length; i++) {
            firstStarts[i] = starts[i][0];
        }
    }

    /** The rule at link-time address {@code address}, {@link UnwindRule#NONE} when no row covers it. */
    public long find(long address) {
        long delta = address - base;
        if (delta < 0 || delta > 0xFFFF_FFFFL || rows == 0) {
            return UnwindRule.NONE;
        }
        int chunk = SortedAddresses.floor(firstStarts, 0, firstStarts.length, (int) delta);
        if (chunk < 0) {
            return UnwindRule.NONE;
        }
        int found = SortedAddresses.floor(starts[chunk], 0, starts[chunk].length, (int) delta);
        return byteIndexes != null ? rules[byteIndexes[chunk][found] & 0xFF] : rules[charIndexes[chunk][found]];
    }

    public int rows() {
        return rows;
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        long indexes = byteIndexes != null ? rows : charIndexes != null ? rows * 2L : 0;
        return 96 + starts.length * 48L + rows * 4L + rules.length * 8L + indexes;
    }

    /** A builder charging {@code rowHeapBytes} of heap to {@code budget} per row it keeps. */
    static Builder builder(ParseBudget budget, int rowHeapBytes) {
        return new Builder(budget, rowHeapBytes);
    }

    /**
     * Collects rows in ascending address order (FDEs sorted by start). A row at the address of the
     * previous one replaces it; a row below it (overlapping FDEs of a hostile file) is dropped;
     * a row equal in rule to the previous one adds nothing.
     *
     * <p>Rows are kept as they will be in the table, a 4-byte start and an index into the distinct
     * rules found so far, in chunks the table then keeps: 6 bytes a row while the table grows, with
     * no doubling that leaves copies behind and no copy of the whole at the end, so compiling a
     * large object (gcc's cc1: 2.4 MB of {@code .eh_frame}) holds little more than its table
     * (docs/benchmarks.md, "The burst on purpose").
     */
    static final class Builder {
        /** Index arrays are chars: an object with more distinct rules than this is refused. */
        static final int MAX_DISTINCT_RULES = Character.MAX_VALUE + 1;

        private final ParseBudget budget;
        private final int rowHeapBytes;
        private long base;
        private int[][] starts = new int[4][];
        private char[][] indexes = new char[4][];
        private int size;
        private long[] distinct = new long[16];
        private int distinctCount;
        /** Open addressing from a rule to its index + 1 (0: empty slot); its length is a power of two. */
        private long[] slotRules = new long[64];
        private int[] slotIndexes = new int[64];

        private Builder(ParseBudget budget, int rowHeapBytes) {
            this.budget = budget;
            this.rowHeapBytes = rowHeapBytes;
        }

        void add(long address, long rule) throws OverBudgetException, CfiFormatException {
            if (size > 0) {
                long last = base + Integer.toUnsignedLong(start(size - 1));
                if (Long.compareUnsigned(address, last) < 0) {
                    return;
                }
                if (address == last) {
                    size--;
                }
                if (size > 0 && distinct[index(size - 1)] == rule) {
                    return;
                }
            }
            if (distinctCount == 0) {
                base = address;
            }
            long delta = address - base;
            if (delta < 0 || delta > 0xFFFF_FFFFL) {
                throw new CfiFormatException("call-frame information spans more than 4 GiB of addresses");
            }
            budget.heap(rowHeapBytes);
            int chunk = size >>> CHUNK_SHIFT;
            if (chunk == starts.length) {
                starts = Arrays.copyOf(starts, chunk * 2);
                indexes = Arrays.copyOf(indexes, chunk * 2);
            }
            if (starts[chunk] == null) {
                starts[chunk] = new int[CHUNK_ROWS];
                indexes[chunk] = new char[CHUNK_ROWS];
            }
            starts[chunk][size & CHUNK_MASK] = (int) delta;
            indexes[chunk][size & CHUNK_MASK] = (char) indexOf(rule);
            size++;
        }

        private int start(int row) {
            return starts[row >>> CHUNK_SHIFT][row & CHUNK_MASK];
        }

        private int index(int row) {
            return indexes[row >>> CHUNK_SHIFT][row & CHUNK_MASK];
        }

        private int indexOf(long rule) throws OverBudgetException {
            int mask = slotRules.length - 1;
            int slot = Long.hashCode(rule * 0x9E37_79B9_7F4A_7C15L) & mask;
            while (slotIndexes[slot] != 0) {
                if (slotRules[slot] == rule) {
                    return slotIndexes[slot] - 1;
                }
                slot = (slot + 1) & mask;
            }
            budget.require("distinct_rules", distinctCount + 1L, MAX_DISTINCT_RULES);
            if (distinctCount == distinct.length) {
                distinct = Arrays.copyOf(distinct, distinctCount * 2);
            }
            distinct[distinctCount] = rule;
            slotRules[slot] = rule;
            slotIndexes[slot] = ++distinctCount;
            if (distinctCount * 2 > slotRules.length) {
                rehash();
            }
            return distinctCount - 1;
        }

        private void rehash() {
            slotRules = new long[slotRules.length * 2];
            slotIndexes = new int[slotRules.length];
            int mask = slotRules.length - 1;
            for (int i = 0; i < distinctCount; i++) {
                int slot = Long.hashCode(distinct[i] * 0x9E37_79B9_7F4A_7C15L) & mask;
                while (slotIndexes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slotRules[slot] = distinct[i];
                slotIndexes[slot] = i + 1;
            }
        }

        /**
         * The table, in the builder's own chunks: only the last is trimmed to its rows, and with at
         * most 256 distinct rules each index chunk becomes bytes, one chunk at a time.
         */
        UnwindTable build() {
            long[] dictionary = Arrays.copyOf(distinct, distinctCount);
            int chunks = (size + CHUNK_MASK) >>> CHUNK_SHIFT;
            int[][] rowStarts = Arrays.copyOf(starts, chunks);
            char[][] rowIndexes = Arrays.copyOf(indexes, chunks);
            starts = null;
            indexes = null;
            int lastRows = size - (chunks - 1) * CHUNK_ROWS;
            if (chunks > 0 && lastRows < CHUNK_ROWS) {
                rowStarts[chunks - 1] = Arrays.copyOf(rowStarts[chunks - 1], lastRows);
                rowIndexes[chunks - 1] = Arrays.copyOf(rowIndexes[chunks - 1], lastRows);
            }
            if (distinctCount > 256) {
                return new UnwindTable(base, size, rowStarts, dictionary, null, rowIndexes);
            }
            byte[][] bytes = new byte[chunks][];
            for (int chunk = 0; chunk < chunks; chunk++) {
                char[] wide = rowIndexes[chunk];
                bytes[chunk] = new byte[wide.length];
                for (int i = 0; i < wide.length; i++) {
                    bytes[chunk][i] = (byte) wide[i];
                }
                rowIndexes[chunk] = null;
            }
            return new UnwindTable(base, size, rowStarts, dictionary, bytes, null);
        }
    }
}
