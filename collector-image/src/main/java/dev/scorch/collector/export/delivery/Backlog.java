package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.delivery.QueuedProfile.InMemory;
import dev.scorch.collector.export.delivery.QueuedProfile.OnDisk;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The profiles waiting for one backend ({@link BacklogQueue}): recovered from its spool at start,
 * kept within the spool bound by dropping the oldest, oldest first out. Every profile leaves
 * exactly once, as sent or as dropped by reason. The send loop ({@link DeliveryQueue}) takes the
 * head with {@link #next()} and settles it; the head in flight is never the one a bound forces out.
 *
 * <p>Spool on failure: a profile offered while the backend keeps up (nothing queued, no send
 * failing, room in the collector's memory budget) is queued in memory, counted in that budget, and
 * sent from there, with no disk work. It is spilled to the spool, durably, when its send fails
 * ({@link #sendFailed}), when it is still unsent at the backend's next offer (a send that hangs, a
 * backend that is slow), and at {@link #close}. Every other profile (the backend is behind or
 * failing, the memory bound is full) is written to the spool when offered and queued once durable
 * ({@link SpoolWrite}); while the spool cannot be written, profiles are held in memory within the
 * collector's one budget of them ({@link DeliverySettings#memoryBudget}). A crash while a healthy
 * send is in flight loses that one profile (docs/decisions.md, "Spool on failure, not before every
 * send"). Thread-safe.
 */
final class Backlog {

    /**
     * No profile of one interval is larger; a spool file declaring more is not ours and is never
     * read into the collector's 64 MiB heap.
     */
    static final long MAX_RECORD_BYTES = 32L << 20;

    private final DeliverySettings settings;
    private final ProblemLog problems = new ProblemLog();
    private final BacklogSpool spool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final BacklogQueue queue;
    private final MemorySpill spill;
    private boolean closed;
    /** Shutdown began: nothing new is sent, what is offered goes to the spool for the next start. */
    private boolean holding;
    private boolean backingOff;

    Backlog(String backend, DeliverySettings settings) {
        this.settings = settings;
        this.spool = new BacklogSpool(backend, new ProfileSpool(settings.spoolRoot().resolve(backend),
                Math.min(settings.maxSpoolBytes(), MAX_RECORD_BYTES)), problems);
        this.queue = new BacklogQueue(settings.maxSpoolBytes(), spool);
        this.spill = new MemorySpill(lock, queue, spool, settings.memory());
    }

    /** Takes over what a previous run left in the spool; a spool that cannot be used leaves the backlog in memory only. */
    void recover() {
        lock.lock();
        try {
            spool.recover(queue::count).forEach(queue::addLast);
            queue.enforceSpoolBound();
        } finally {
            lock.unlock();
        }
    }

    /** Why the spool is not used, or null. */
    String spoolProblem() {
        return spool.problem();
    }

    /** Queues {@code profile}, spooled durably first unless it is sent first (see the class comment). */
    void add(ExportedProfile profile) {
        OfferRound round = new OfferRound();
        add(profile, round);
        round.commit();
    }

    /**
     * Queues {@code profile} in memory at once when the backend keeps up; otherwise writes it to the
     * spool now and queues it when {@code round} commits, once it is durable (or, when the spool
     * cannot take it, held in memory, bounded). A profile still sent first from memory is spilled
     * in the same round, ahead of it.
     */
    void add(ExportedProfile profile, OfferRound round) {
        InMemory item = new InMemory(profile, true, this);
        // Read before this backlog's lock: the budget's lock comes first (NodeHeapBudget).
        boolean budgetRoom = settings.memory().heldBytes() + item.bytes() <= settings.memory().maxBytes();
        List<SpoolWrite> writes = List.of();
        lock.lock();
        try {
            if (profile.payload().length > MAX_RECORD_BYTES) {
                queue.count("too-large", 1);
                return;
            }
            if (budgetRoom && sendsFirst(item)) {
                queue.addLast(item);
                changed.signalAll();
            } else {
                item = null;
                writes = spill.all();
                writes.add(spool.write(profile, durable -> enqueue(durable != null ? durable : new InMemory(profile, false, this))));
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
     * Whether {@code item} can skip the spool: spool usable, nothing queued or being written, no send
     * failing, and small enough to be spooled should its send fail. Holds the lock.
     */
    private boolean sendsFirst(InMemory item) {
        return spool.usable() && !closed && !holding && !backingOff && queue.isEmpty() && !spool.writing()
                && item.bytes() <= settings.maxSpoolBytes();
    }

    /**
     * A send of {@code item} failed and will be retried: the backend counts as failing until a send
     * succeeds (what is offered meanwhile is spooled), and {@code item}, if only in memory, is
     * written to the spool durably before this returns, so it survives a crash while the retry waits.
     */
    void sendFailed(QueuedProfile item) {
        lock.lock();
        try {
            backingOff = true;
        } finally {
            lock.unlock();
        }
        if (item instanceof InMemory memory) {
            spill.now(memory);
        }
    }

    private void enqueue(QueuedProfile item) {
        lock.lock();
        try {
            if (closed) {
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

    /**
     * The budget's eviction of {@code item}: dropped as {@code memory-full} unless being sent or sent
     * first (that one is spooled if its send fails, never dropped for memory, unless the spool could
     * not take it and it waits for a retry). Takes this backlog's lock.
     */
    boolean evictFromMemory(InMemory item) {
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

    /** Waits for the oldest profile and marks it in flight; null once closed. Waits while {@link #hold holding}. */
    QueuedProfile next() {
        lock.lock();
        try {
            queue.settled();
            while ((queue.isEmpty() || holding) && !closed) {
                changed.awaitUninterruptibly();
            }
            return closed ? null : queue.sendHead();
        } finally {
            lock.unlock();
        }
    }

    /** The profile of {@code item}; null when its spool file cannot be read (then it is dropped, counted). */
    ExportedProfile load(QueuedProfile item) {
        if (item instanceof InMemory memory) {
            return memory.profile;
        }
        ExportedProfile profile = spool.read((OnDisk) item);
        if (profile == null) {
            settle(item, "corrupt-spool-file");
        }
        return profile;
    }

    /** Removes {@code item}: sent when {@code dropReason} is null, else dropped and counted under that reason. */
    void settle(QueuedProfile item, String dropReason) {
        lock.lock();
        try {
            item = QueuedProfile.current(item);
            if (dropReason == null) {
                backingOff = false;
            }
            if (queue.remove(item)) {
                if (dropReason == null) {
                    spool.delete(item);
                } else {
                    queue.discard(item, dropReason);
                }
            }
            queue.settled();
        } finally {
            lock.unlock();
        }
        if (item instanceof InMemory memory) {
            settings.memory().release(memory);
        }
    }

    /**
     * Marks the spool file of {@code item}, still being sent at shutdown, as possibly delivered:
     * the next start drops it (counted as {@code possibly-delivered}) instead of sending it again.
     */
    void markPossiblyDelivered(QueuedProfile item) {
        QueuedProfile current;
        lock.lock();
        try {
            current = QueuedProfile.current(item);
        } finally {
            lock.unlock();
        }
        if (current instanceof OnDisk disk) {
            spool.markPossiblyDelivered(disk);
        }
    }

    /**
     * Waits up to {@code wait} before the head is tried again, waking early only when closed; false
     * when closed (or interrupted). A head held in memory is not being sent while it waits, so the
     * memory budget may drop it: a failing backend does not pin a profile outside the budget.
     */
    boolean pause(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            queue.headWaits();
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    changed.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
                } catch (InterruptedException e) {
                    return false;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Shutdown began: no send starts from here (one in flight goes on), what is only in memory is
     * spooled now (the one in flight too, so it can be marked possibly delivered when it is cut),
     * and what is offered until {@link #close} is written to the spool rather than queued in
     * memory, so the final interval waits on disk for the next start.
     */
    void hold() {
        List<SpoolWrite> writes;
        lock.lock();
        try {
            holding = true;
            writes = spill.all();
        } finally {
            lock.unlock();
        }
        MemorySpill.commit(writes);
    }

    /**
     * Stops accepting, wakes the send loop, and spools every profile still only in memory (the one in
     * flight too: if its send then succeeds, its file is deleted), so a restart delivers them. What
     * the spool cannot take is lost and counted as {@code closed}.
     */
    void close() {
        List<SpoolWrite> writes;
        lock.lock();
        try {
            closed = true;
            writes = spill.all();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        MemorySpill.commit(writes);
        List<InMemory> lost;
        lock.lock();
        try {
            lost = queue.inMemory();
            for (InMemory memory : lost) {
                if (!queue.inFlight(memory)) {
                    queue.count("closed", 1);
                }
            }
        } finally {
            lock.unlock();
        }
        lost.forEach(settings.memory()::release);
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queue.queuedBytes();
        } finally {
            lock.unlock();
        }
    }

    Map<String, Long> dropped() {
        lock.lock();
        try {
            return queue.dropped();
        } finally {
            lock.unlock();
        }
    }

    Path directory() {
        return spool.directory();
    }

    void logOnce(String problem, String message) {
        problems.once(problem, message);
    }
}
