package dev.scorch.collector.budget;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * A node-wide bound of heap bytes held at once by one kind of holding (profiles waiting in memory
 * for a backend, Go profiles being fetched and decoded), shared by every policy and backend the
 * collector serves: a bound kept per policy or per backend multiplies with the policies, this one
 * does not (docs/architecture.md, "Heap budget"). A holding takes room as a {@link Claim}, in one of
 * two ways: {@link #reserve} waits for room, for work that can wait and fail; {@link #hold} takes it
 * at once and makes it by evicting the oldest claims that can be evicted, for data that can be
 * dropped. Thread-safe.
 *
 * <p>Lock order: the budget's lock, then the holder's ({@link Claim#evict} runs under the budget's
 * lock). A holder never calls the budget while it holds its own lock.
 */
public final class NodeHeapBudget {

    /** Room for one holding, given back once by {@link #release}. */
    public static class Claim {
        private final long bytes;
        /** Guarded by the budget's lock: released before it was held, so it is never held. */
        private boolean released;

        public Claim(long bytes) {
            this.bytes = bytes;
        }

        public final long bytes() {
            return bytes;
        }

        /**
         * Gives the room up to a newer claim over the bound: true when the holding is gone, whether
         * dropped now or released before. Called under the budget's lock. A claim is never evicted
         * unless it says so.
         */
        protected boolean evict() {
            return false;
        }
    }

    private final String holds;
    private final long maxBytes;
    private final Deque<Claim> oldestFirst = new ArrayDeque<>();
    /** Claims waiting in {@link #reserve}, served in arrival order. */
    private final Deque<Claim> waiting = new ArrayDeque<>();
    private long heldBytes;
    private long peakBytes;

    /**
     * @param holds what the budget holds, for messages, e.g. {@code profiles held in memory}
     * @param maxBytes the bound
     */
    public NodeHeapBudget(String holds, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("the node's budget of " + holds + " must be positive, got " + maxBytes);
        }
        this.holds = holds;
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes claimed now, across every holder. */
    public synchronized long heldBytes() {
        return heldBytes;
    }

    /** The most bytes claimed at once so far. */
    public synchronized long peakBytes() {
        return peakBytes;
    }

    /**
     * Waits up to {@code wait} for room for {@code claim}, behind the claims that came first; false
     * when none came in time. Room is given back by {@link #release}, never taken by eviction. An
     * interrupted caller gets no room, even when some is free.
     */
    public synchronized boolean reserve(Claim claim, Duration wait) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting for the node's budget of " + holds);
        }
        if (claim.bytes > maxBytes) {
            throw new IllegalArgumentException("a claim of " + claim.bytes + " bytes never fits the node's budget of " + holds + " ("
                    + maxBytes + " bytes)");
        }
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        waiting.addLast(claim);
        try {
            while (waiting.peekFirst() != claim || heldBytes + claim.bytes > maxBytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            take(claim);
            return true;
        } finally {
            waiting.remove(claim);
            notifyAll();
        }
    }

    /**
     * Counts {@code claim} at once, then evicts the oldest claims that allow it while the bound is
     * exceeded; the bound may stay exceeded by claims that cannot be evicted now.
     */
    public synchronized void hold(Claim claim) {
        if (claim.released) {
            return;
        }
        take(claim);
        for (Iterator<Claim> it = oldestFirst.iterator(); heldBytes > maxBytes && it.hasNext(); ) {
            Claim oldest = it.next();
            if (oldest.evict()) {
                it.remove();
                heldBytes -= oldest.bytes;
            }
        }
    }

    /** The holding of {@code claim} is gone: its room is free again. A claim released before it is held is never held. */
    public synchronized void release(Claim claim) {
        if (oldestFirst.remove(claim)) {
            heldBytes -= claim.bytes;
            notifyAll();
        } else {
            claim.released = true;
        }
    }

    private void take(Claim claim) {
        oldestFirst.addLast(claim);
        heldBytes += claim.bytes;
        peakBytes = Math.max(peakBytes, heldBytes);
    }
}
