package dev.scorch.collector.pull;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.pull.PullFailure.Reason;
import java.time.Duration;

/**
 * The bound of fetched profiles one collector holds at once, shared by every policy's pulls and
 * trigger fetches on the node: at most {@code slots} profiles, each from its request until the
 * caller is done with it, each body at most {@code maxBodyBytes} as it arrives (decoded as it
 * arrives, never held whole) and its decode, inflated message included, at most
 * {@link #decodeLimits}. A pull holds its slot through the profile's deltas, rewrite and export,
 * and a decode on a thread that holds a slot (the export's re-encode) runs within that slot, so
 * a slot is two decodes' worth: what the pulls hold stays within slots x 2 x decode, whatever the
 * number of policies; a policy's own {@code maxConcurrent} and size cap are lower limits within
 * it. A fetch that finds no slot free waits within its own timeout, then fails.
 *
 * <p>A slot is a claim of its worst case on the node's {@link NodeHeapBudget} of fetched profiles,
 * which is slots x that worst case.
 */
public final class FetchBudget {

    /**
     * Below this heap, one profile at a time: two pulls at the decode bound at once (each through
     * its delta, rewrite and re-encode) ran a 48 MiB heap out beside 30-32 MiB live, one beside 34
     * did not, and a burst's live set reaches 31-37 MiB (docs/benchmarks.md, "Go pulls in the
     * burst"). Above it, two, so that one slow or trickling program does not hold back every pull.
     */
    static final long TWO_SLOTS_FROM_HEAP = 96L << 20;

    private final int slots;
    private final int maxBodyBytes;
    private final ParseBudget.Limits decodeLimits;
    private final long slotBytes;
    private final NodeHeapBudget heap;
    /** The slot the current thread holds, which a decode on it runs within. */
    private final ThreadLocal<Slot> threadSlot = new ThreadLocal<>();

    public FetchBudget(int slots, int maxBodyBytes, ParseBudget.Limits decodeLimits) {
        if (slots < 1 || maxBodyBytes < 1) {
            throw new IllegalArgumentException("a fetch budget needs a slot and a body size: " + slots + " slots, " + maxBodyBytes
                    + " bytes");
        }
        this.slots = slots;
        this.maxBodyBytes = maxBodyBytes;
        this.decodeLimits = decodeLimits;
        this.slotBytes = 2 * decodeLimits.heapBytes();
        this.heap = new NodeHeapBudget("fetched profiles", slots * slotBytes);
    }

    /**
     * The node's budget for a heap of {@code maxHeapBytes}: profiles of a body of at most heap / 16
     * (3 MiB of 48) decoded within heap / 12 (4 MiB of 48), each claiming two decodes (a sixth of
     * the heap), one at a time below {@link #TWO_SLOTS_FROM_HEAP} (8 MiB of 48), two at once from
     * there (a third of the heap).
     */
    public static FetchBudget forHeap(long maxHeapBytes) {
        ParseBudget.Limits decoding = PprofDecoder.defaultLimits();
        return new FetchBudget(maxHeapBytes < TWO_SLOTS_FROM_HEAP ? 1 : 2, (int) Math.min(Integer.MAX_VALUE, maxHeapBytes / 16),
                new ParseBudget.Limits(decoding.parser(), decoding.readBytes(), decoding.steps(), maxHeapBytes / 12));
    }

    /** A budget of one fetcher's own, for a fetcher that shares the process with no other (the pull command). */
    static FetchBudget own(int maxConcurrent, int maxResponseBytes) {
        return new FetchBudget(maxConcurrent, maxResponseBytes, PprofDecoder.defaultLimits());
    }

    /**
     * Takes a slot for a fetch from {@code source} (or a decode of what it served), waiting at most
     * {@code wait}; on a thread that holds a slot already, that slot (closing the one returned
     * leaves it held).
     *
     * @throws PullFailure with reason {@code node-budget} when no slot came free in time
     */
    Slot acquire(String source, Duration wait) throws PullFailure, InterruptedException {
        if (threadSlot.get() != null) {
            return new Slot(false);
        }
        Slot slot = new Slot(true);
        if (!heap.reserve(slot, wait)) {
            throw new PullFailure(Reason.NODE_BUDGET, source + ": the node's budget of fetched profiles (" + slots + " at once, "
                    + (maxBodyBytes >> 10) + " KiB each, shared by every policy on this node) stayed full for " + wait.toMillis()
                    + " ms; pull fewer pods or types, less often, or with a longer timeout");
        }
        threadSlot.set(slot);
        return slot;
    }

    /** The cap on one body under this budget. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The bound of one body's decode under this budget. */
    public ParseBudget.Limits decodeLimits() {
        return decodeLimits;
    }

    /** Fetches at once, at most. */
    public int slots() {
        return slots;
    }

    /** Slots held now. */
    public int held() {
        return (int) (heap.heldBytes() / slotBytes);
    }

    /** The most slots held at once so far. */
    public int peak() {
        return (int) (heap.peakBytes() / slotBytes);
    }

    /**
     * One profile's room, given back once by {@link #close} on the thread that took it; a slot
     * taken again on that thread ({@code outer} false) gives nothing back.
     */
    public final class Slot extends NodeHeapBudget.Claim implements AutoCloseable {
        private final boolean outer;
        private boolean closed;

        private Slot(boolean outer) {
            super(outer ? slotBytes : 0);
            this.outer = outer;
        }

        @Override
        public void close() {
            if (outer && !closed) {
                closed = true;
                threadSlot.remove();
                heap.release(this);
            }
        }
    }
}
