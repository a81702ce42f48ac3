package dev.scorch.collector.export.delivery;

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
 * The profiles waiting for one backend: recovered from its spool at start, persisted there when
 * offered (or held in memory while the spool cannot be written, within the collector's one
 * {@link ProfileMemoryBudget}), kept within the spool bound by dropping the oldest, oldest first out. Every profile leaves exactly once,
 * as sent or as dropped by reason. The send loop ({@link DeliveryQueue}) takes the head with
 * {@link #next()} and settles it; the head in flight is never the one a bound forces out.
 * Thread-safe.
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

    /**
     * A spool file. {@code unread} is the profile itself while it waits as the next to send: the
     * sender then takes it from memory instead of reading and checking back the file it has just
     * been written to (every interval, one file per backend of every policy). It is given up at
     * that first load, so a retry reads the file and at most one profile per backend is held so.
     */
    private static final class OnDisk implements Item {
        final ProfileSpool.Entry entry;
        ExportedProfile unread;

        OnDisk(ProfileSpool.Entry entry) {
            this.entry = entry;
        }

        @Override
        public long bytes() {
            return entry.bytes();
        }
    }

    /** Counted against the collector's {@link ProfileMemoryBudget}, shared with every other backend. */
    private final class InMemory extends ProfileMemoryBudget.Held implements Item {
        final ExportedProfile profile;
        private final long bytes;

        InMemory(ExportedProfile profile) {
            this.profile = profile;
            this.bytes = profile.payload().length + 256L;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        boolean evict() {
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

    /** Persists {@code profile} durably and queues it, dropping the oldest when a bound is exceeded. */
    void add(ExportedProfile profile) {
        OfferRound round = new OfferRound();
        add(profile, round);
        round.commit();
    }

    /**
     * Writes {@code profile} to the spool now and queues it when {@code round} commits, once it is
     * durable (or, when the spool cannot take it, held in memory, bounded).
     */
    void add(ExportedProfile profile, OfferRound round) {
        if (profile.payload().length > MAX_RECORD_BYTES) {
            lock.lock();
            try {
                count("too-large");
            } finally {
                lock.unlock();
            }
            return;
        }
        ProfileSpool.Write write = begin(profile);
        round.add(new OfferRound.Pending() {
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

            @Override
            public void complete(IOException failure) {
                if (write == null) {
                    enqueue(new InMemory(profile), profile);
                } else if (failure == null) {
                    enqueue(new OnDisk(write.entry()), profile);
                } else {
                    deleteQuietly(new OnDisk(write.entry()));
                    spoolFailed(failure);
                    enqueue(new InMemory(profile), profile);
                }
            }
        });
    }

    private void enqueue(Item item, ExportedProfile profile) {
        lock.lock();
        try {
            if (item instanceof OnDisk disk && queue.isEmpty()) {
                disk.unread = profile;
            }
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

    /** The budget's eviction of {@code item}: dropped as {@code memory-full} unless being sent. Takes this backlog's lock. */
    private boolean evictFromMemory(InMemory item) {
        lock.lock();
        try {
            if (item == inFlight && !inFlightWaits && queue.contains(item)) {
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
        lock.lock();
        try {
            ExportedProfile unread = disk.unread;
            disk.unread = null;
            if (unread != null) {
                return unread;
            }
        } finally {
            lock.unlock();
        }
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
        if (item instanceof OnDisk disk) {
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

    /** Stops accepting and wakes the send loop; profiles only in memory are lost and counted as {@code closed}. */
    void close() {
        List<InMemory> released = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            for (Item item : queue) {
                if (item instanceof InMemory memory) {
                    released.add(memory);
                    if (item != inFlight) {
                        count("closed");
                    }
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        released.forEach(settings.memory()::release);
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
     * lock. Profiles held in memory are bounded node-wide by {@link ProfileMemoryBudget}.
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
