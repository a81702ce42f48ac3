package dev.scorch.collector.export.delivery;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.delivery.QueuedProfile.InMemory;
import dev.scorch.collector.export.delivery.QueuedProfile.OnDisk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The profiles of one {@link Backlog} held only in memory: spilled to the spool when their send
 * fails, when still unsent at the backend's next offer, and when shutdown begins (once durable,
 * the spool file takes the profile's place in the queue, or is deleted when the profile was sent
 * meanwhile, and its room in the memory budget is given back; when the write fails, it stays in
 * memory), or evicted when the collector's budget of them is full. Shares its backlog's lock.
 */
final class MemorySpill {

    private final ReentrantLock lock;
    private final BacklogQueue queue;
    private final BacklogSpool spool;
    private final NodeHeapBudget memory;

    MemorySpill(ReentrantLock lock, BacklogQueue queue, BacklogSpool spool, NodeHeapBudget memory) {
        this.lock = lock;
        this.queue = queue;
        this.spool = spool;
        this.memory = memory;
    }

    /**
     * Begins spilling every queued profile held only in memory. The writes go into a round once the
     * lock is released (their completion takes the budget's lock). Holds the lock.
     */
    List<SpoolWrite> all() {
        List<SpoolWrite> writes = new ArrayList<>();
        for (InMemory item : queue.inMemory()) {
            SpoolWrite write = begin(item);
            if (write != null) {
                writes.add(write);
            }
        }
        return writes;
    }

    /** Spills {@code item} durably before returning (or leaves it in memory when the spool cannot take it). Takes the lock. */
    void now(InMemory item) {
        SpoolWrite write;
        lock.lock();
        try {
            write = begin(item);
        } finally {
            lock.unlock();
        }
        if (write != null) {
            commit(List.of(write));
        }
    }

    /**
     * The budget's eviction of {@code item}: dropped as {@code memory-full} unless being sent or sent
     * first (that one is spooled if its send fails, never dropped for memory, unless the spool could
     * not take it and it waits for a retry). Takes the backlog's lock.
     */
    boolean evict(InMemory item) {
        lock.lock();
        try {
            boolean kept = queue.beingSent(item) || (item.sentFirst && !queue.inFlight(item));
            if (kept && queue.contains(item)) {
                return false;
            }
            if (queue.remove(item)) {
                queue.count("memory-full", 1);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Makes {@code writes} durable together, in one round. */
    static void commit(List<SpoolWrite> writes) {
        OfferRound round = new OfferRound();
        writes.forEach(round::add);
        round.commit();
    }

    /** The write of {@code item}; null when it is written already or being written, or the spool cannot take it. Holds the lock. */
    private SpoolWrite begin(InMemory item) {
        if (item.spilling || item.spilledAs != null || !spool.usable()) {
            return null;
        }
        SpoolWrite write = spool.writeIfTaken(item.profile, durable -> spilled(item, durable));
        item.spilling = write != null;
        return write;
    }

    /** The spill of {@code item} completed: durable as {@code disk}, or failed (null). */
    private void spilled(InMemory item, OnDisk disk) {
        boolean replaced = false;
        lock.lock();
        try {
            item.spilling = false;
            if (disk != null) {
                replaced = queue.replace(item, disk);
                if (replaced) {
                    item.spilledAs = disk;
                } else {
                    spool.delete(disk);
                }
            }
        } finally {
            lock.unlock();
        }
        if (replaced) {
            memory.release(item);
        }
    }
}
