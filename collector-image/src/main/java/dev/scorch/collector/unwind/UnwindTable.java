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
    /** The distinct rules when an index array is present, else every row's rule. */
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
        return byteIndexes != null ? rules[byteIndexes[found] & 0xFF] : charIndexes != null ? rules[charIndexes[found]] : rules[found];
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
     */
    static final class Builder {
        private final ParseBudget budget;
        private final int rowHeapBytes;
        private long[] addresses = new long[256];
        private long[] rules = new long[256];
        private int size;

        private Builder(ParseBudget budget, int rowHeapBytes) {
            this.budget = budget;
            this.rowHeapBytes = rowHeapBytes;
        }

        void add(long address, long rule) throws OverBudgetException {
            if (size > 0) {
                long last = addresses[size - 1];
                if (Long.compareUnsigned(address, last) < 0) {
                    return;
                }
                if (address == last) {
                    size--;
                }
                if (size > 0 && rules[size - 1] == rule) {
                    return;
                }
            }
            budget.heap(rowHeapBytes);
            if (size == addresses.length) {
                int capacity = size * 2;
                addresses = Arrays.copyOf(addresses, capacity);
                rules = Arrays.copyOf(rules, capacity);
            }
            addresses[size] = address;
            rules[size] = rule;
            size++;
        }

        UnwindTable build() throws CfiFormatException {
            if (size == 0) {
                return new UnwindTable(0, new int[0], new long[0], null, null);
            }
            long base = addresses[0];
            int[] starts = new int[size];
            for (int i = 0; i < size; i++) {
                long delta = addresses[i] - base;
                if (delta < 0 || delta > 0xFFFF_FFFFL) {
                    throw new CfiFormatException("call-frame information spans more than 4 GiB of addresses");
                }
                starts[i] = (int) delta;
            }
            long[] distinct = Arrays.copyOf(rules, size);
            Arrays.sort(distinct);
            int count = 0;
            for (int i = 0; i < size; i++) {
                if (i == 0 || distinct[i] != distinct[count - 1]) {
                    distinct[count++] = distinct[i];
                }
            }
            if (count > Character.MAX_VALUE + 1) {
                return new UnwindTable(base, starts, Arrays.copyOf(rules, size), null, null);
            }
            long[] dictionary = Arrays.copyOf(distinct, count);
            if (count <= 256) {
                byte[] indexes = new byte[size];
                for (int i = 0; i < size; i++) {
                    indexes[i] = (byte) Arrays.binarySearch(dictionary, rules[i]);
                }
                return new UnwindTable(base, starts, dictionary, indexes, null);
            }
            char[] indexes = new char[size];
            for (int i = 0; i < size; i++) {
                indexes[i] = (char) Arrays.binarySearch(dictionary, rules[i]);
            }
            return new UnwindTable(base, starts, dictionary, null, indexes);
        }
    }
}
