package dev.scorch.collector.profile;

/**
 * Sample counts by stack id ({@link StackStore}) of one target during one interval: open
 * addressing over ids, so counting a stack that several policies keep costs each policy an int
 * key and a long count, not a copy of the frames. Not thread-safe; its aggregator guards it.
 */
final class StackCounts {

    /** Receives each counted stack. */
    interface Visitor {
        void stack(int id, long count);
    }

    private static final int INITIAL_CAPACITY = 16;

    /** Ids + 1 (0: empty). */
    private int[] ids = new int[INITIAL_CAPACITY];
    private long[] counts = new long[INITIAL_CAPACITY];
    private int size;

    /** Adds one sample of stack {@code id}; returns true when the stack is new to these counts. */
    boolean increment(int id) {
        int mask = ids.length - 1;
        int slot = mix(id) & mask;
        for (; ids[slot] != 0; slot = (slot + 1) & mask) {
            if (ids[slot] == id + 1) {
                counts[slot]++;
                return false;
            }
        }
        if ((size + 1) * 2 > ids.length) {
            grow();
            return increment(id);
        }
        ids[slot] = id + 1;
        counts[slot] = 1;
        size++;
        return true;
    }

    int size() {
        return size;
    }

    void forEach(Visitor visitor) {
        for (int slot = 0; slot < ids.length; slot++) {
            if (ids[slot] != 0) {
                visitor.stack(ids[slot] - 1, counts[slot]);
            }
        }
    }

    private void grow() {
        int[] oldIds = ids;
        long[] oldCounts = counts;
        ids = new int[oldIds.length * 2];
        counts = new long[oldIds.length * 2];
        int mask = ids.length - 1;
        for (int i = 0; i < oldIds.length; i++) {
            if (oldIds[i] != 0) {
                int slot = mix(oldIds[i] - 1) & mask;
                while (ids[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                ids[slot] = oldIds[i];
                counts[slot] = oldCounts[i];
            }
        }
    }

    /** Ids are dense small integers: spread them so neighbours do not form long probe runs. */
    private static int mix(int id) {
        return id * 0x9E3779B9 >>> 7;
    }
}
