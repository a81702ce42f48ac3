package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.delivery.QueuedProfile.InMemory;
import dev.scorch.collector.export.delivery.QueuedProfile.OnDisk;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How a profile offered to one backend enters its {@link Backlog}: queued in memory at once, and
 * sent first from there, while the backend keeps up; otherwise written to the spool on the
 * caller's thread (local disk only) and queued once durable, when its {@link OfferRound} commits,
 * or held in memory, within the collector's one budget of them, while the spool cannot take it.
 * Shares its backlog's lock.
 */
final class BacklogOffers {

    private final Backlog backlog;
    private final DeliverySettings settings;
    private final ReentrantLock lock;
    private final Condition changed;
    private final BacklogQueue queue;
    private final BacklogSpool spool;
    private final MemorySpill spill;

    BacklogOffers(Backlog backlog, DeliverySettings settings, ReentrantLock lock, Condition changed, BacklogQueue queue,
            BacklogSpool spool, MemorySpill spill) {
        this.backlog = backlog;
        this.settings = settings;
        this.lock = lock;
        this.changed = changed;
        this.queue = queue;
        this.spool = spool;
        this.spill = spill;
    }

    /**
     * Queues {@code profile} in memory at once when the backend keeps up; otherwise writes it to the
     * spool now and queues it when {@code round} commits, once it is durable (or, when the spool
     * cannot take it, held in memory, bounded). A profile still sent first from memory is spilled
     * in the same round, ahead of it.
     */
    void add(ExportedProfile profile, OfferRound round) {
        InMemory item = new InMemory(profile, true, spill);
        // Read before this backlog's lock: the budget's lock comes first (NodeHeapBudget).
        boolean budgetRoom = settings.memory().heldBytes() + item.bytes() <= settings.memory().maxBytes();
        List<SpoolWrite> writes = List.of();
        lock.lock();
        try {
            if (profile.payload().length > Backlog.MAX_RECORD_BYTES) {
                queue.count("too-large", 1);
                return;
            }
            if (budgetRoom && sendsFirst(item)) {
                queue.addLast(item);
                changed.signalAll();
            } else {
                item = null;
                writes = spill.all();
                writes.add(spool.write(profile, durable -> enqueue(durable != null ? durable : new InMemory(profile, false, spill))));
            }
        } finally {
            lock.unlock();
        }
        if (item != null) {
            settings.memory().hold(item);
        }
        writes.forEach(round::add);
    }

    /**
     * Whether {@code item} can skip the spool: spool usable, the backend keeping up, nothing queued
     * or being written, and small enough to be spooled should its send fail. Holds the lock.
     */
    private boolean sendsFirst(InMemory item) {
        return spool.usable() && backlog.keepsUp() && queue.isEmpty() && !spool.writing() && item.bytes() <= settings.maxSpoolBytes();
    }

    /** Queues {@code item}, its spool write complete (or held in memory when the spool could not take it). */
    private void enqueue(QueuedProfile item) {
        lock.lock();
        try {
            if (backlog.closed()) {
                queue.discard(item, "closed");
                return;
            }
            long bound = item instanceof OnDisk ? settings.maxSpoolBytes() : settings.memory().maxBytes();
            if (item.bytes() > bound) {
                queue.discard(item, "too-large");
                return;
            }
            queue.addLast(item);
            queue.enforceSpoolBound();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (item instanceof InMemory memory) {
            settings.memory().hold(memory);
        }
    }
}
