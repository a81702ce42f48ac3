package dev.scorch.collector.profile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The distinct raw stacks (pid, kernel frames, user frames) that the aggregators sharing this store
 * hold, each stored once under a small integer id however many aggregators count it: with
 * overlapping policies, one collector would otherwise keep and hash the same stack once per policy.
 *
 * <p>A stack lives while it is referenced: the sample being routed holds it from {@link #acquire}
 * to {@link #release}, and each aggregator that counts it holds it until its interval is drained.
 * A lookup hashes the decoder's reusable frame arrays in place; only a stack seen for the first
 * time is copied.
 *
 * <p>Bounded: once {@code maxStacks} distinct stacks are held, a new stack is replaced by its
 * process's frameless stack, so sample counts (and CPU time per target) stay exact while the memory
 * stays flat. Thread-safe.
 */
public final class StackStore {

    private static final long[] NO_FRAMES = new long[0];
    private static final int INITIAL_CAPACITY = 64;

    private final int maxStacks;
    /** Open addressing over ids + 1 (0: empty), linear probing, deletion by backward shift. */
    private int[] index = new int[INITIAL_CAPACITY * 2];
    private long[] hashes = new long[INITIAL_CAPACITY];
    private int[] pids = new int[INITIAL_CAPACITY];
    private long[][] kernel = new long[INITIAL_CAPACITY][];
    private long[][] user = new long[INITIAL_CAPACITY][];
    private int[] references = new int[INITIAL_CAPACITY];
    /** Ids below this have been handed out at least once; freed ones wait in {@link #free}. */
    private int used;
    private int[] free = new int[16];
    private int freeCount;
    private int live;
    private long truncated;

    public StackStore(int maxStacks) {
        if (maxStacks < 1) {
            throw new IllegalArgumentException("maxStacks must be positive, was " + maxStacks);
        }
        this.maxStacks = maxStacks;
    }

    /**
     * The id of this stack, stored (its frames copied) if new, with one reference the caller must
     * {@link #release}. Past the bound a new stack is replaced by its process's frameless stack.
     */
    public synchronized int acquire(int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        long hash = hash(pid, kernelIps, kernelDepth, userIps, userDepth);
        int id = find(hash, pid, kernelIps, kernelDepth, userIps, userDepth);
        if (id < 0) {
            if (live >= maxStacks) {
                truncated++;
                return acquireFrameless(pid);
            }
            id = insert(hash, pid, Arrays.copyOf(kernelIps, kernelDepth), Arrays.copyOf(userIps, userDepth));
        }
        references[id]++;
        return id;
    }

    /** The frameless stack may go past the bound: it is what keeps the counts exact there. */
    private int acquireFrameless(int pid) {
        long hash = hash(pid, NO_FRAMES, 0, NO_FRAMES, 0);
        int id = find(hash, pid, NO_FRAMES, 0, NO_FRAMES, 0);
        if (id < 0) {
            id = insert(hash, pid, NO_FRAMES, NO_FRAMES);
        }
        references[id]++;
        return id;
    }

    /** One more holder of {@code id}, e.g. an aggregator counting it for the first time this interval. */
    public synchronized void retain(int id) {
        references[id]++;
    }

    /** Drops one reference; a stack nobody holds is forgotten. */
    public synchronized void release(int id) {
        if (--references[id] == 0) {
            remove(id);
        }
    }

    /**
     * The stacks of {@code counts} as aggregated stacks, releasing the reference the counts held on
     * each: one lock for a whole drain rather than one per stack.
     */
    synchronized List<AggregatedStack> drain(StackCounts counts) {
        List<AggregatedStack> stacks = new ArrayList<>(counts.size());
        counts.forEach((id, count) -> {
            stacks.add(new AggregatedStack(pids[id], kernel[id], user[id], count));
            release(id);
        });
        return stacks;
    }

    /** Distinct stacks held now. */
    public synchronized int size() {
        return live;
    }

    /** Stacks replaced by their process's frameless stack because the bound was reached. */
    public synchronized long truncated() {
        return truncated;
    }

    private int find(long hash, int pid, long[] kernelIps, int kernelDepth, long[] userIps, int userDepth) {
        int mask = index.length - 1;
        for (int slot = (int) hash & mask; index[slot] != 0; slot = (slot + 1) & mask) {
            int id = index[slot] - 1;
            if (hashes[id] == hash && pids[id] == pid
                    && Arrays.equals(kernel[id], 0, kernel[id].length, kernelIps, 0, kernelDepth)
                    && Arrays.equals(user[id], 0, user[id].length, userIps, 0, userDepth)) {
                return id;
            }
        }
        return -1;
    }

    private int insert(long hash, int pid, long[] kernelFrames, long[] userFrames) {
        int id;
        if (freeCount > 0) {
            id = free[--freeCount];
        } else {
            if (used == hashes.length) {
                growEntries();
            }
            id = used++;
        }
        if ((live + 1) * 2 > index.length) {
            growIndex();
        }
        hashes[id] = hash;
        pids[id] = pid;
        kernel[id] = kernelFrames;
        user[id] = userFrames;
        references[id] = 0;
        place(id);
        live++;
        return id;
    }

    private void place(int id) {
        int mask = index.length - 1;
        int slot = (int) hashes[id] & mask;
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = id + 1;
    }

    private void remove(int id) {
        int mask = index.length - 1;
        int slot = (int) hashes[id] & mask;
        while (index[slot] != id + 1) {
            slot = (slot + 1) & mask;
        }
        // Backward shift: move later entries of the probe run into the gap so no lookup stops early.
        for (int next = (slot + 1) & mask; index[next] != 0; next = (next + 1) & mask) {
            int home = (int) hashes[index[next] - 1] & mask;
            if (((next - home) & mask) >= ((next - slot) & mask)) {
                index[slot] = index[next];
                slot = next;
            }
        }
        index[slot] = 0;
        kernel[id] = null;
        user[id] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = id;
        live--;
    }

    private void growEntries() {
        int capacity = hashes.length * 2;
        hashes = Arrays.copyOf(hashes, capacity);
        pids = Arrays.copyOf(pids, capacity);
        kernel = Arrays.copyOf(kernel, capacity);
        user = Arrays.copyOf(user, capacity);
        references = Arrays.copyOf(references, capacity);
    }

    private void growIndex() {
        int[] old = index;
        index = new int[old.length * 2];
        for (int entry : old) {
            if (entry != 0) {
                place(entry - 1);
            }
        }
    }

    /** The hash of a stack, over exactly what a lookup compares. */
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
