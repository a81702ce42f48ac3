package dev.scorch.collector.export.delivery;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.spool.CorruptSpoolFileException;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The profiles waiting for one backend: recovered from its spool at start, kept within the spool
 * bound by dropping the oldest, oldest first out. Every profile leaves exactly once,
 * as sent or as dropped by reason. The send loop ({@link DeliveryQueue}) takes the head with
 * {@link #next()} and settles it; the head in flight is never the one a bound forces out.
 *
 * <p>Spool on failure: a profile offered while the backend keeps up (nothing queued, no send
 * failing, room in the collector's memory budget) is queued in memory, counted in that budget, and sent from there, with no disk work.
 * It is written to the spool, durably, when its send fails ({@link #sendFailed}), when it is still
 * unsent at the backend's next offer (a send that hangs, a backend that is slow), and at {@link
 * #close}. Every other profile (the backend is behind or failing, the memory bound is full) is
 * written to the spool when offered and queued once durable; while the spool cannot be written,
 * profiles are held in memory within the collector's one budget of them ({@link DeliverySettings#memoryBudget}). A crash while a healthy send is in flight loses that one
 * profile (docs/decisions.md, "Spool on failure, not before every send"). Thread-safe.
 */
final class Backlog {

    private static final System.Logger LOG = System.getLogger(Backlog.class.getName());

    /**
     * No profile of one interval is larger; a spool file declaring more is not ours and is never
     * read into the collector's 64 MiB heap.
     */
    static final long MAX_RECORD_BYTES = 32L << 20;

    /** A queued profile: a spool file, or only in memory when the spool could not be written. */
    sealed interface Item permits OnDisk, InMemory {
        long bytes();
    }

    /** A spool file, read when it is sent. */
    private record OnDisk(ProfileSpool.Entry entry) implements Item {
        @Override
        public long bytes() {
            return entry.bytes();
        }
    }

    /**
     * A profile held only in memory, counted against the collector's budget of them
     * ({@link DeliverySettings#memoryBudget}) shared with every other backend: sent first while the backend keeps up ({@code sentFirst}),
     * or held because the spool cannot be written. Once {@link #spill} made it durable, {@code
     * spilledAs} is the spool file that took its place in the queue.
     */
    private final class InMemory extends NodeHeapBudget.Claim implements Item {
        final ExportedProfile profile;
        final boolean sentFirst;
        boolean spilling;
        OnDisk spilledAs;

        InMemory(ExportedProfile profile, boolean sentFirst) {
            super(profile.payload().length + 256L);
            this.profile = profile;
            this.sentFirst = sentFirst;
        }

        @Override
        protected boolean evict() {
            return evictFromMemory(this);
        }
    }

    private final String backend;
    private final DeliverySettings settings;
    private final ProfileSpool spool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Item> queue = new ArrayDeque<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Set<String> loggedProblems = new HashSet<>();
    private Item inFlight;
    /** The head in flight waits for a retry, not being sent. */
    private boolean inFlightWaits;
    private long diskBytes;
    private long memoryBytes;
    private boolean spoolUsable;
    private String spoolProblem;
    private boolean closed;
    private boolean backingOff;
    private int uncommittedWrites;

    Backlog(String backend, DeliverySettings settings) {
        this.backend = backend;
        this.settings = settings;
        this.spool = new ProfileSpool(settings.spoolRoot().resolve(backend), Math.min(settings.maxSpoolBytes(), MAX_RECORD_BYTES));
    }

    /** Takes over what a previous run left in the spool; a spool that cannot be used leaves the backlog in memory only. */
    void recover() {
        lock.lock();
        try {
            ProfileSpool.Recovery recovery = spool.recover();
            spoolUsable = true;
            for (ProfileSpool.Entry entry : recovery.entries()) {
                queue.addLast(new OnDisk(entry));
                diskBytes += entry.bytes();
            }
            addDrops("partial-write", recovery.partialWrites());
            addDrops("corrupt-spool-file", recovery.corrupt());
            addDrops("unrecoverable-spool-file", recovery.unrecoverable());
            addDrops("possibly-delivered", recovery.possiblyDelivered());
            if (recovery.partialWrites() + recovery.corrupt() + recovery.unrecoverable() + recovery.possiblyDelivered() > 0) {
                LOG.log(Level.WARNING, "backend {0}: dropped {1} interrupted, {2} corrupt, {3} unrecoverable and {4} possibly delivered"
                                + " spool files in {5}", backend, recovery.partialWrites(), recovery.corrupt(), recovery.unrecoverable(),
                        recovery.possiblyDelivered(), spool.directory());
            }
            if (!recovery.entries().isEmpty()) {
                LOG.log(Level.INFO, "backend {0}: resuming delivery of {1} spooled profiles ({2} bytes) from {3}",
                        backend, recovery.entries().size(), diskBytes, spool.directory());
            }
            enforceBounds();
        } catch (IOException | RuntimeException e) {
            spoolUsable = false;
            spoolProblem = "spool directory " + spool.directory() + " unusable, holding profiles in memory only: " + e;
            LOG.log(Level.ERROR, "backend " + backend + ": " + spoolProblem);
        } finally {
            lock.unlock();
        }
    }

    /** Why the spool is not used, or null. */
    String spoolProblem() {
        lock.lock();
        try {
            return spoolProblem;
        } finally {
            lock.unlock();
        }
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
     * cannot take it, held in memory, bounded). A profile still sent first from memory is spooled
     * in the same round, ahead of it. Spool writes begin under the lock, so the spool's sequence,
     * which orders recovery after a restart, follows the queue's order.
     */
    void add(ExportedProfile profile, OfferRound round) {
        InMemory item = new InMemory(profile, true);
        // Read before this backlog's lock: the budget's lock comes first (NodeHeapBudget).
        boolean budgetRoom = settings.memory().heldBytes() + item.bytes() <= settings.memory().maxBytes();
        List<SpoolWrite> writes = new ArrayList<>();
        lock.lock();
        try {
            if (profile.payload().length > MAX_RECORD_BYTES) {
                count("too-large");
                return;
            }
            if (budgetRoom && sendsFirst(item)) {
                queue.addLast(item);
                account(item, 1);
                changed.signalAll();
            } else {
                item = null;
                for (Item queued : queue) {
                    if (queued instanceof InMemory memory) {
                        addIfNotNull(writes, spill(memory));
                    }
                }
                writes.add(spoolThenQueue(profile));
            }
        } finally {
            lock.unlock();
        }
        if (item != null) {
            settings.memory().hold(item);
        }
        writes.forEach(round::add);
    }

    private static void addIfNotNull(List<SpoolWrite> writes, SpoolWrite write) {
        if (write != null) {
            writes.add(write);
        }
    }

    /**
     * Whether {@code item} can skip the spool: spool usable, nothing queued or being written, no send
     * failing, and small enough to be spooled should its send fail. Holds the lock.
     */
    private boolean sendsFirst(InMemory item) {
        return spoolUsable && !closed && !backingOff && queue.isEmpty() && uncommittedWrites == 0
                && item.bytes() <= settings.maxSpoolBytes();
    }

    /** Begins the spool write of {@code profile}, to be added to a round once the lock is released. Holds the lock. */
    private SpoolWrite spoolThenQueue(ExportedProfile profile) {
        ProfileSpool.Write write = begin(profile);
        return new SpoolWrite(write) {
            @Override
            public void complete(IOException failure) {
                written();
                if (write == null) {
                    enqueue(new InMemory(profile, false));
                } else if (failure == null) {
                    enqueue(new OnDisk(write.entry()));
                } else {
                    deleteQuietly(new OnDisk(write.entry()));
                    spoolFailed(failure);
                    enqueue(new InMemory(profile, false));
                }
            }
        };
    }

    /**
     * Begins writing {@code item}, held in memory, to the spool; once durable, its file takes
     * its place in the queue, or is deleted when the profile was sent in the meantime. When the write
     * fails, the profile stays in memory. Returns the write to add to a round once the lock is
     * released (its completion takes the budget's lock), or null when there is nothing to write.
     * Holds the lock.
     */
    private SpoolWrite spill(InMemory item) {
        if (item.spilling || item.spilledAs != null || !spoolUsable) {
            return null;
        }
        ProfileSpool.Write write = begin(item.profile);
        if (write == null) {
            return null;
        }
        item.spilling = true;
        return new SpoolWrite(write) {
            @Override
            public void complete(IOException failure) {
                written();
                if (failure != null) {
                    deleteQuietly(new OnDisk(write.entry()));
                    spoolFailed(failure);
                }
                lock.lock();
                try {
                    item.spilling = false;
                    if (failure != null) {
                        return;
                    }
                    OnDisk disk = new OnDisk(write.entry());
                    if (!replace(item, disk)) {
                        deleteQuietly(disk);
                        return;
                    }
                    item.spilledAs = disk;
                    account(item, -1);
                    account(disk, 1);
                    if (inFlight == item) {
                        inFlight = disk;
                    }
                    enforceBounds();
                } finally {
                    lock.unlock();
                }
                settings.memory().release(item);
            }
        };
    }

    /** Puts {@code disk} where {@code item} is in the queue; false when {@code item} has left it. Holds the lock. */
    private boolean replace(InMemory item, OnDisk disk) {
        if (!queue.contains(item)) {
            return false;
        }
        Deque<Item> rebuilt = new ArrayDeque<>(queue.size());
        for (Item queued : queue) {
            rebuilt.addLast(queued == item ? disk : queued);
        }
        queue.clear();
        queue.addAll(rebuilt);
        return true;
    }

    /** A round's pending write of this backlog's spool; {@code write} is null when the spool could not take the profile. */
    private abstract class SpoolWrite implements OfferRound.Pending {
        private final ProfileSpool.Write write;

        SpoolWrite(ProfileSpool.Write write) {
            this.write = write;
            lock.lock();
            try {
                uncommittedWrites++;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void force() throws IOException {
            if (write != null) {
                write.commit();
            }
        }

        @Override
        public Path directory() {
            return write == null ? null : spool.directory();
        }

        @Override
        public void syncDirectory() throws IOException {
            spool.syncDirectory();
        }

        /** Counts the write as committed (durable or failed). */
        void written() {
            lock.lock();
            try {
                uncommittedWrites--;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * A send of {@code item} failed and will be retried: the backend counts as failing until a send
     * succeeds (what is offered meanwhile is spooled), and {@code item}, if only in memory, is
     * written to the spool durably before this returns, so it survives a crash while the retry waits.
     */
    void sendFailed(Item item) {
        lock.lock();
        try {
            backingOff = true;
        } finally {
            lock.unlock();
        }
        if (item instanceof InMemory memory) {
            SpoolWrite write;
            lock.lock();
            try {
                write = spill(memory);
            } finally {
                lock.unlock();
            }
            if (write != null) {
                OfferRound round = new OfferRound();
                round.add(write);
                round.commit();
            }
        }
    }

    private void enqueue(Item item) {
        lock.lock();
        try {
            if (closed) {
                discard(item, "closed");
                return;
            }
            long bound = item instanceof OnDisk ? settings.maxSpoolBytes() : settings.memory().maxBytes();
            if (item.bytes() > bound) {
                discard(item, "too-large");
                return;
            }
            queue.addLast(item);
            account(item, 1);
            enforceBounds();
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
    private boolean evictFromMemory(InMemory item) {
        lock.lock();
        try {
            boolean waits = item == inFlight && inFlightWaits;
            if (queue.contains(item) && !waits && (item == inFlight || item.sentFirst)) {
                return false;
            }
            if (queue.remove(item)) {
                account(item, -1);
                count("memory-full");
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the oldest profile and marks it in flight; null once closed. */
    Item next() {
        lock.lock();
        try {
            inFlight = null;
            inFlightWaits = false;
            while (queue.isEmpty() && !closed) {
                changed.awaitUninterruptibly();
            }
            if (closed) {
                return null;
            }
            inFlight = queue.peekFirst();
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** The profile of {@code item}; null when its spool file cannot be read (then it is dropped, counted). */
    ExportedProfile load(Item item) {
        if (item instanceof InMemory memory) {
            return memory.profile;
        }
        OnDisk disk = (OnDisk) item;
        try {
            return spool.read(disk.entry);
        } catch (IOException | CorruptSpoolFileException e) {
            LOG.log(Level.WARNING, "backend {0}: dropping unreadable spool file {1}: {2}", backend, disk.entry.file(), e.getMessage());
            settle(item, "corrupt-spool-file");
            return null;
        }
    }

    /** Removes {@code item}: sent when {@code dropReason} is null, else dropped and counted under that reason. */
    void settle(Item item, String dropReason) {
        lock.lock();
        try {
            item = current(item);
            if (dropReason == null) {
                backingOff = false;
            }
            if (queue.remove(item)) {
                account(item, -1);
                if (dropReason == null) {
                    deleteQuietly(item);
                } else {
                    discard(item, dropReason);
                }
            }
            inFlight = null;
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
    void markPossiblyDelivered(Item item) {
        Item current;
        lock.lock();
        try {
            current = current(item);
        } finally {
            lock.unlock();
        }
        if (current instanceof OnDisk disk) {
            try {
                spool.markPossiblyDelivered(disk.entry);
            } catch (IOException e) {
                logOnce("spool-mark", "backend " + backend + ": cannot mark " + disk.entry.file() + " as possibly delivered; it will be"
                        + " sent again after the restart: " + e);
            }
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
            inFlightWaits = true;
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
     * Stops accepting, wakes the send loop, and spools every profile still only in memory (the one in
     * flight too: if its send then succeeds, its file is deleted), so a restart delivers them. What
     * the spool cannot take is lost and counted as {@code closed}.
     */
    void close() {
        List<SpoolWrite> writes = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            for (Item item : queue) {
                if (item instanceof InMemory memory) {
                    addIfNotNull(writes, spill(memory));
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        OfferRound round = new OfferRound();
        writes.forEach(round::add);
        round.commit();
        List<InMemory> lost = new ArrayList<>();
        lock.lock();
        try {
            for (Item item : queue) {
                if (item instanceof InMemory memory) {
                    lost.add(memory);
                    if (item != inFlight) {
                        count("closed");
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        lost.forEach(settings.memory()::release);
    }

    /** The queued item standing for {@code item}: its spool file once it was spilled. Holds the lock. */
    private static Item current(Item item) {
        return item instanceof InMemory memory && memory.spilledAs != null ? memory.spilledAs : item;
    }

    long queuedBytes() {
        lock.lock();
        try {
            return diskBytes + memoryBytes;
        } finally {
            lock.unlock();
        }
    }

    Map<String, Long> dropped() {
        lock.lock();
        try {
            return Map.copyOf(dropped);
        } finally {
            lock.unlock();
        }
    }

    Path directory() {
        return spool.directory();
    }

    /** The profile written to the spool, not yet durable; null when the spool cannot take it (held in memory then). */
    private ProfileSpool.Write begin(ExportedProfile profile) {
        if (spoolUsable) {
            try {
                return spool.begin(profile);
            } catch (IOException | RuntimeException e) {
                spoolFailed(e);
            }
        }
        return null;
    }

    private void spoolFailed(Exception e) {
        logOnce("spool-write", "backend " + backend + ": cannot write to spool " + spool.directory()
                + ", holding profiles in memory (bounded) until it works again: " + e);
    }

    /**
     * Drops the oldest spool files that are not being sent until the spool bound holds. Holds the
     * lock. Profiles held in memory are bounded node-wide by {@link DeliverySettings#memoryBudget}.
     */
    private void enforceBounds() {
        Iterator<Item> oldestFirst = queue.iterator();
        while (diskBytes > settings.maxSpoolBytes() && oldestFirst.hasNext()) {
            Item item = oldestFirst.next();
            if (item != inFlight && item instanceof OnDisk) {
                oldestFirst.remove();
                account(item, -1);
                discard(item, "spool-full");
            }
        }
    }

    private void account(Item item, int sign) {
        if (item instanceof OnDisk) {
            diskBytes += sign * item.bytes();
        } else {
            memoryBytes += sign * item.bytes();
        }
    }

    private void discard(Item item, String reason) {
        deleteQuietly(item);
        count(reason);
    }

    private void count(String reason) {
        dropped.merge(reason, 1L, Long::sum);
    }

    private void addDrops(String reason, int n) {
        if (n > 0) {
            dropped.merge(reason, (long) n, Long::sum);
        }
    }

    private void deleteQuietly(Item item) {
        if (item instanceof OnDisk disk) {
            try {
                spool.delete(disk.entry);
            } catch (IOException e) {
                logOnce("spool-delete", "backend " + backend + ": cannot delete spool file " + disk.entry.file() + ": " + e);
            }
        }
    }

    void logOnce(String problem, String message) {
        boolean first;
        lock.lock();
        try {
            first = loggedProblems.add(problem);
        } finally {
            lock.unlock();
        }
        if (first) {
            LOG.log(Level.WARNING, message);
        }
    }
}
