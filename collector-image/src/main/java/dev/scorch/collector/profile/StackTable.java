package dev.scorch.collector.profile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Open-addressing hash table of distinct raw stacks (pid, kernel frames, user frames) to sample
 * counts. A lookup hashes the decoder's reusable frame arrays in place; only a stack seen for the
 * first time in the interval is copied.
 */
final class StackTable {

    private static final int INITIAL_CAPACITY = 64;

    private long[] hashes = new long[INITIAL_CAPACITY];
    private int[] pids = new int[INITIAL_CAPACITY];
    private long[][] kernel = new long[INITIAL_CAPACITY][];
    private long[][] user = new long[INITIAL_CAPACITY][];
    private long[] counts = new long[INITIAL_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    /** Adds one sample to an existing stack; returns false when the stack is new to this table. */
    boolean increment(long hash, int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        int mask = hashes.length - 1;
        for (int i = (int) hash & mask; counts[i] != 0; i = (i + 1) & mask) {
            if (hashes[i] == hash && pids[i] == pid
                    && Arrays.equals(kernel[i], 0, kernel[i].length, kernelIps, 0, kernelDepth)
                    && Arrays.equals(user[i], 0, user[i].length, userIps, 0, userDepth)) {
                counts[i]++;
                return true;
            }
        }
        return false;
    }

    /** Inserts a stack not yet in the table with a count of one, copying its frames. */
    void insert(long hash, int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        if ((size + 1) * 2 > hashes.length) {
            grow();
        }
        put(hash, pid, Arrays.copyOf(kernelIps, kernelDepth), Arrays.copyOf(userIps, userDepth), 1);
    }

    private void put(long hash, int pid, long[] kernelFrames, long[] userFrames, long count) {
        int mask = hashes.length - 1;
        int i = (int) hash & mask;
        while (counts[i] != 0) {
            i = (i + 1) & mask;
        }
        hashes[i] = hash;
        pids[i] = pid;
        kernel[i] = kernelFrames;
        user[i] = userFrames;
        counts[i] = count;
        size++;
    }

    private void grow() {
        long[] oldHashes = hashes;
        int[] oldPids = pids;
        long[][] oldKernel = kernel;
        long[][] oldUser = user;
        long[] oldCounts = counts;
        int capacity = oldHashes.length * 2;
        hashes = new long[capacity];
        pids = new int[capacity];
        kernel = new long[capacity][];
        user = new long[capacity][];
        counts = new long[capacity];
        size = 0;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldCounts[i] != 0) {
                put(oldHashes[i], oldPids[i], oldKernel[i], oldUser[i], oldCounts[i]);
            }
        }
    }

    List<AggregatedStack> stacks() {
        List<AggregatedStack> stacks = new ArrayList<>(size);
        for (int i = 0; i < hashes.length; i++) {
            if (counts[i] != 0) {
                stacks.add(new AggregatedStack(pids[i], kernel[i], user[i], counts[i]));
            }
        }
        return stacks;
    }

    /** The hash of a stack, over exactly what {@link #increment} compares. */
    static long hash(int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        long h = pid * 0x9E3779B97F4A7C15L + kernelDepth;
        for (int i = 0; i < kernelDepth; i++) {
            h = (h ^ kernelIps[i]) * 0x100000001B3L;
        }
        for (int i = 0; i < userDepth; i++) {
            h = (h ^ userIps[i]) * 0x100000001B3L;
        }
        return h ^ (h >>> 29);
    }
}
