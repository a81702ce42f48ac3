package dev.scorch.collector.unwind;

import dev.scorch.collector.address.SortedAddresses;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

import java.util.Arrays;

/**
 * One object's call-frame information compiled into rows sorted by link-time address: row i's
 * {@link UnwindRule} holds from {@code starts[i]} up to the next row. An object has hundreds of
 * thousands of rows but only tens to hundreds of distinct rules (651 for gcc's cc1, 60 for
 * libjvm), so a row keeps a one- or two-byte index into the distinct rules: 5 or 6 bytes per row
 * instead of 12, which keeps the tables of a busy node's objects inside the cache's bound instead
 * of evicting and recompiling them. A lookup is one binary search. Immutable.
 */
public final class UnwindTable {

    private final long base;
    private final int[] starts;
    /** The distinct rules, which a row's byte or char index selects. */
    private final long[] rules;
    private final byte[] byteIndexes;
    private final char[] charIndexes;

    private UnwindTable(long base, int[] starts, long[] rules, byte[] byteIndexes, char[] charIndexes) {
        this.base = base;
        this.starts = starts;
        this.rules = rules;
        this.byteIndexes = byteIndexes;
        this.charIndexes = charIndexes;
    }

    /** The rule at link-time address {@code address}, {@link UnwindRule#NONE} when no row covers it. */
    public long find(long address) {
        long delta = address - base;
        if (delta < 0 || delta > 0xFFFF_FFFFL || starts.length == 0) {
            return UnwindRule.NONE;
        }
        int found = SortedAddresses.floor(starts, 0, starts.length, (int) delta);
        if (found < 0) {
            return UnwindRule.NONE;
        }
        return byteIndexes != null ? rules[byteIndexes[found] & 0xFF] : rules[charIndexes[found]];
    }

    public int rows() {
        return starts.length;
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        long indexes = byteIndexes != null ? byteIndexes.length : charIndexes != null ? charIndexes.length * 2L : 0;
        return 96 + starts.length * 4L + rules.length * 8L + indexes;
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
     * rules found so far: 6 bytes a row while the table grows, not the 16 of an address and a rule,
     * so compiling a large object (gcc's cc1: 2.4 MB of {@code .eh_frame}) holds a fraction of the
     * heap it did (docs/benchmarks.md, "The burst on purpose").
     */
    static final class Builder {
        /** Index arrays are chars: an object with more distinct rules than this is refused. */
        static final int MAX_DISTINCT_RULES = Character.MAX_VALUE + 1;

        private final ParseBudget budget;
        private final int rowHeapBytes;
        private long base;
        private int[] starts = new int[256];
        private char[] indexes = new char[256];
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
                long last = base + Integer.toUnsignedLong(starts[size - 1]);
                if (Long.compareUnsigned(address, last) < 0) {
                    return;
                }
                if (address == last) {
                    size--;
                }
                if (size > 0 && distinct[indexes[size - 1]] == rule) {
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
            if (size == starts.length) {
                int capacity = size * 2;
                starts = Arrays.copyOf(starts, capacity);
                indexes = Arrays.copyOf(indexes, capacity);
            }
            starts[size] = (int) delta;
            indexes[size] = (char) indexOf(rule);
            size++;
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

        UnwindTable build() {
            if (size == 0) {
                return new UnwindTable(0, new int[0], new long[0], null, null);
            }
            int[] rowStarts = Arrays.copyOf(starts, size);
            starts = null;
            long[] dictionary = Arrays.copyOf(distinct, distinctCount);
            if (distinctCount <= 256) {
                byte[] bytes = new byte[size];
                for (int i = 0; i < size; i++) {
                    bytes[i] = (byte) indexes[i];
                }
                return new UnwindTable(base, rowStarts, dictionary, bytes, null);
            }
            return new UnwindTable(base, rowStarts, dictionary, null, Arrays.copyOf(indexes, size));
        }
    }
}
