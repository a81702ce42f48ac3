package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

import java.util.Arrays;

/**
 * One object's call-frame information compiled into rows sorted by link-time address: row i's
 * {@link UnwindRule} holds from {@code starts[i]} up to the next row. 12 bytes per row; a lookup is
 * one binary search. Immutable.
 */
public final class UnwindTable {

    private final long base;
    private final int[] starts;
    private final long[] rules;

    private UnwindTable(long base, int[] starts, long[] rules) {
        this.base = base;
        this.starts = starts;
        this.rules = rules;
    }

    /** The rule at link-time address {@code address}, {@link UnwindRule#NONE} when no row covers it. */
    public long find(long address) {
        long delta = address - base;
        if (delta < 0 || delta > 0xFFFF_FFFFL || starts.length == 0) {
            return UnwindRule.NONE;
        }
        int key = (int) delta;
        int low = 0;
        int high = starts.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Integer.compareUnsigned(starts[mid], key) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? UnwindRule.NONE : rules[found];
    }

    public int rows() {
        return starts.length;
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        return 64 + starts.length * 12L;
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
                return new UnwindTable(0, new int[0], new long[0]);
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
            return new UnwindTable(base, starts, Arrays.copyOf(rules, size));
        }
    }
}
