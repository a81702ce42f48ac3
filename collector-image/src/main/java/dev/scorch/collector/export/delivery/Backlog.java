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
 * <p>Spool on failure: a profile offered while the backend keeps up is queued in memory and sent
 * from there ({@link BacklogOffers}); it is spilled to the spool, durably ({@link MemorySpill}),
 * when its send fails ({@link #sendFailed}), when it is still unsent at the backend's next offer,
 * and when shutdown begins ({@link #hold}). A crash while a healthy send is in flight loses that
 * one profile (docs/decisions.md, "Spool on failure, not before every send"). Thread-safe: one
 * lock, shared by the parts named here; what stays in this file is the state that lock guards
 * (closed, holding, backing off) and every transition of it.
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
    private final BacklogOffers offers;
    private final OutstandingSend outstandingSend;
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
        this.offers = new BacklogOffers(this, settings, lock, changed, queue, spool, spill);
        this.outstandingSend = new OutstandingSend(lock, changed, spool, queue);
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

    /** Queues {@code profile} as {@link BacklogOffers#add} says, durable when {@code round} commits. */
    void add(ExportedProfile profile, OfferRound round) {
        offers.add(profile, round);
    }

    /** Whether nothing holds a new profile back from being sent first: no send failing, not stopping. Holds the lock. */
    boolean keepsUp() {
        return !closed && !holding && !backingOff;
    }

    /** Whether closed: what completes its spool write from now is dropped, counted as {@code closed}. Holds the lock. */
    boolean closed() {
        return closed;
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
        stopAndSpillAll(() -> holding = true);
    }

    /**
     * Stops accepting, wakes the send loop, and spools every profile still only in memory (the one in
     * flight too: if its send then succeeds, its file is deleted), so a restart delivers them. What
     * the spool cannot take is lost and counted as {@code closed}.
     */
    void close() {
        stopAndSpillAll(() -> {
            closed = true;
            changed.signalAll();
        });
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

    /** Runs {@code stop} under the lock, begins spilling what is only in memory, and makes it durable once unlocked. */
    private void stopAndSpillAll(Runnable stop) {
        List<SpoolWrite> writes;
        lock.lock();
        try {
            stop.run();
            writes = spill.all();
        } finally {
            lock.unlock();
        }
        MemorySpill.commit(writes);
    }

    /** The send out to the backend, waiting for its answer, which shutdown may cut. */
    OutstandingSend outstandingSend() {
        return outstandingSend;
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
