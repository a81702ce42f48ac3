package dev.scorch.collector.export.delivery;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The one bound of the profiles held only in memory (while a backend's spool cannot be written),
 * shared by every backend of every policy the collector serves. A bound per backend multiplied with
 * the policies: 20 policies with two network backends each were allowed 640 MiB in a 64 MiB heap,
 * and a spool directory removed while the sink was down ran the collector out of memory. Over the
 * budget, the oldest profile held in memory across all backends goes first (never one being sent),
 * dropped and counted as {@code memory-full} by its own backend. Thread-safe.
 *
 * <p>Lock order: the budget's lock, then a backlog's. A backlog never calls the budget while it
 * holds its own lock.
 */
public final class ProfileMemoryBudget {

    /**
     * 8 MiB for the whole collector: its heap is 64 MiB, of which the live set of a busy 20-policy
     * node takes up to 31 MiB (docs/architecture.md, "Heap budget").
     */
    public static final long DEFAULT_MAX_BYTES = 8L << 20;

    /** A profile held in memory by one backend's backlog. */
    abstract static class Held {
        /** Guarded by the budget's lock: released before it was held, so it is never held. */
        private boolean released;

        abstract long bytes();

        /**
         * Drops this profile from its backlog (counted as {@code memory-full}) unless it is being
         * sent; true when it is gone from the backlog, whether dropped now or settled before.
         */
        abstract boolean evict();
    }

    private final long maxBytes;
    private final Deque<Held> oldestFirst = new ArrayDeque<>();
    private long bytes;

    public ProfileMemoryBudget(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("the in-memory profile budget must be positive, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes of the profiles held in memory now, across every backend. */
    public synchronized long heldBytes() {
        return bytes;
    }

    /** Counts {@code profile} against the budget, dropping the oldest held profiles while the budget is exceeded. */
    synchronized void hold(Held profile) {
        if (profile.released) {
            return;
        }
        oldestFirst.addLast(profile);
        bytes += profile.bytes();
        for (Iterator<Held> it = oldestFirst.iterator(); bytes > maxBytes && it.hasNext(); ) {
            Held oldest = it.next();
            if (oldest.evict()) {
                it.remove();
                bytes -= oldest.bytes();
            }
        }
    }

    /** {@code profile} left its backlog (sent, dropped, closed): it no longer counts. */
    synchronized void release(Held profile) {
        if (oldestFirst.remove(profile)) {
            bytes -= profile.bytes();
        } else {
            profile.released = true;
        }
    }
}
