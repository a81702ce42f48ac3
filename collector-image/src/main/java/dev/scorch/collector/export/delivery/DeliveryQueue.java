package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.spool.CorruptSpoolFileException;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The delivery core of one network backend: a bounded spool, one sender thread, retries.
 *
 * <p>{@link #offer} writes the profile to the backend's spool on the caller's thread (local disk
 * only, never the network), so a profile is durable from the moment it is offered and survives a
 * SIGKILL. The sender thread sends the oldest profile, deletes it once the backend accepted it,
 * and backs off with jitter while the backend fails. Every backend has its own queue, spool and
 * thread, so a dead backend only ever fills its own spool.
 *
 * <p>Loss is always counted, by reason: {@code spool-full} (the bound forced out the oldest),
 * {@code memory-full} (same for the in-memory fallback), {@code too-large}, {@code corrupt-spool-file}
 * and {@code partial-write} (found at recovery or on read), and the reason of each permanent
 * rejection (e.g. {@code rejected-http-400}). The profile being sent is never the one forced out,
 * so a profile is counted exactly once, as sent or as dropped.
 */
public final class DeliveryQueue implements ProfileExporter {

    private static final System.Logger LOG = System.getLogger(DeliveryQueue.class.getName());

    /** A queued profile: a spool file, or only in memory when the spool could not be written. */
    private sealed interface Item permits OnDisk, InMemory {
        long bytes();
    }

    private record OnDisk(ProfileSpool.Entry entry) implements Item {
        @Override
        public long bytes() {
            return entry.bytes();
        }
    }

    private record InMemory(ExportedProfile profile, long bytes) implements Item {}

    private final String backend;
    private final ProfileSender sender;
    private final DeliverySettings settings;
    private final ProfileSpool spool;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Item> queue = new ArrayDeque<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Set<String> loggedProblems = new HashSet<>();
    private Item inFlight;
    private long diskBytes;
    private long memoryBytes;
    private long sent;
    private long retried;
    private Instant lastSuccess;
    private Instant failingSince;
    private String lastError;
    private boolean spoolUsable;
    private boolean closed;

    /**
     * Recovers the backend's spool from a previous run and starts its sender thread.
     *
     * @param backend backend name from the policy; also the spool sub-directory
     */
    public DeliveryQueue(String backend, ProfileSender sender, DeliverySettings settings) {
        this.backend = backend;
        this.sender = sender;
        this.settings = settings;
        this.spool = new ProfileSpool(settings.spoolRoot().resolve(backend));
        recover();
        this.thread = Thread.ofVirtual().name("scorch-export-" + backend).start(this::deliverUntilClosed);
    }

    @Override
    public String backendName() {
        return backend;
    }

    @Override
    public WireFormat wireFormat() {
        return sender.wireFormat();
    }

    @Override
    public void offer(ExportedProfile profile) {
        Item item = persist(profile);
        lock.lock();
        try {
            if (closed) {
                discard(item, "closed");
                return;
            }
            long bound = item instanceof OnDisk ? settings.maxSpoolBytes() : settings.maxMemoryBytes();
            if (item.bytes() > bound) {
                discard(item, "too-large");
                return;
            }
            queue.addLast(item);
            if (item instanceof OnDisk) {
                diskBytes += item.bytes();
            } else {
                memoryBytes += item.bytes();
            }
            enforceBounds();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public BackendHealth health() {
        lock.lock();
        try {
            return new BackendHealth(backend, lastSuccess, failingSince, lastError, diskBytes + memoryBytes, sent, retried,
                    Map.copyOf(dropped));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the sender thread. Spooled profiles stay on disk for the next start; profiles held
     * only in memory are lost and counted as {@code closed}.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            for (Item item : queue) {
                if (item instanceof InMemory) {
                    count("closed");
                }
            }
        } finally {
            lock.unlock();
        }
        sender.close();
    }

    private void recover() {
        try {
            ProfileSpool.Recovery recovery = spool.recover();
            spoolUsable = true;
            for (ProfileSpool.Entry entry : recovery.entries()) {
                queue.addLast(new OnDisk(entry));
                diskBytes += entry.bytes();
            }
            addDrops("partial-write", recovery.partialWrites());
            addDrops("corrupt-spool-file", recovery.corrupt());
            if (recovery.partialWrites() + recovery.corrupt() > 0) {
                LOG.log(Level.WARNING, "backend {0}: removed {1} interrupted and {2} corrupt spool files in {3}",
                        backend, recovery.partialWrites(), recovery.corrupt(), spool.directory());
            }
            if (!recovery.entries().isEmpty()) {
                LOG.log(Level.INFO, "backend {0}: resuming delivery of {1} spooled profiles ({2} bytes) from {3}",
                        backend, recovery.entries().size(), diskBytes, spool.directory());
            }
            enforceBounds();
        } catch (IOException | RuntimeException e) {
            spoolUsable = false;
            lastError = "spool directory " + spool.directory() + " unusable, holding profiles in memory only: " + e;
            LOG.log(Level.ERROR, "backend " + backend + ": " + lastError);
        }
    }

    private Item persist(ExportedProfile profile) {
        if (spoolUsable) {
            try {
                return new OnDisk(spool.write(profile));
            } catch (IOException | RuntimeException e) {
                logOnce("spool-write", "backend " + backend + ": cannot write to spool " + spool.directory()
                        + ", holding profiles in memory (bounded) until it works again: " + e);
            }
        }
        return new InMemory(profile, profile.payload().length + 256L);
    }

    /** Drops the oldest profiles that are not being sent until both bounds hold. Holds the lock. */
    private void enforceBounds() {
        Iterator<Item> oldestFirst = queue.iterator();
        while ((diskBytes > settings.maxSpoolBytes() || memoryBytes > settings.maxMemoryBytes()) && oldestFirst.hasNext()) {
            Item item = oldestFirst.next();
            if (item == inFlight) {
                continue;
            }
            boolean overDisk = item instanceof OnDisk && diskBytes > settings.maxSpoolBytes();
            boolean overMemory = item instanceof InMemory && memoryBytes > settings.maxMemoryBytes();
            if (overDisk || overMemory) {
                oldestFirst.remove();
                unaccount(item);
                discard(item, overDisk ? "spool-full" : "memory-full");
            }
        }
    }

    private void deliverUntilClosed() {
        int failures = 0;
        while (true) {
            Item item = awaitNext();
            if (item == null) {
                return;
            }
            ExportedProfile profile = load(item);
            if (profile == null) {
                continue;
            }
            try {
                sender.send(profile);
                failures = 0;
                delivered(item);
            } catch (SendFailure failure) {
                if (failure.retryable()) {
                    failures++;
                    Duration wait = retryWait(failure, failures);
                    failed(item, failure.getMessage(), true);
                    if (!pause(wait)) {
                        return;
                    }
                } else {
                    failures = 0;
                    rejected(item, failure);
                }
            } catch (RuntimeException e) {
                // A bug in a sender must not end delivery for the backend: treat it as retryable. Its message may quote a
                // request header (a credential), so only its type and place reach health and logs.
                failures++;
                failed(item, "unexpected " + e.getClass().getName() + " in the sender", true);
                LOG.log(Level.ERROR, "backend " + backend + ": sender failed unexpectedly with " + e.getClass().getName() + " at "
                        + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "(no stack)"));
                if (!pause(settings.backoff().delay(failures, ThreadLocalRandom.current()))) {
                    return;
                }
            }
        }
    }

    private Item awaitNext() {
        lock.lock();
        try {
            inFlight = null;
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

    private ExportedProfile load(Item item) {
        if (item instanceof InMemory memory) {
            return memory.profile();
        }
        OnDisk disk = (OnDisk) item;
        try {
            return spool.read(disk.entry());
        } catch (IOException | CorruptSpoolFileException e) {
            LOG.log(Level.WARNING, "backend {0}: dropping unreadable spool file {1}: {2}", backend, disk.entry().file(), e.getMessage());
            lock.lock();
            try {
                if (queue.remove(item)) {
                    unaccount(item);
                    discard(item, "corrupt-spool-file");
                }
                inFlight = null;
            } finally {
                lock.unlock();
            }
            return null;
        }
    }

    private void delivered(Item item) {
        lock.lock();
        try {
            if (queue.remove(item)) {
                unaccount(item);
            }
            deleteQuietly(item);
            sent++;
            lastSuccess = settings.clock().instant();
            if (failingSince != null) {
                LOG.log(Level.INFO, "backend {0}: delivering again after failures since {1}", backend, failingSince);
            }
            failingSince = null;
            lastError = null;
            inFlight = null;
        } finally {
            lock.unlock();
        }
    }

    private void failed(Item item, String error, boolean retrying) {
        lock.lock();
        try {
            if (retrying) {
                retried++;
            }
            if (failingSince == null) {
                failingSince = settings.clock().instant();
                LOG.log(Level.WARNING, "backend {0}: delivery failing, retrying with backoff: {1}", backend, error);
            }
            lastError = error;
        } finally {
            lock.unlock();
        }
    }

    private void rejected(Item item, SendFailure failure) {
        lock.lock();
        try {
            if (queue.remove(item)) {
                unaccount(item);
                discard(item, failure.reason());
            }
            inFlight = null;
            if (failingSince == null) {
                failingSince = settings.clock().instant();
            }
            lastError = failure.getMessage();
        } finally {
            lock.unlock();
        }
        logOnce(failure.reason(), "backend " + backend + ": profile rejected, dropping it (counted as "
                + failure.reason() + "; later rejections for this reason are only counted): " + failure.getMessage());
    }

    private Duration retryWait(SendFailure failure, int failures) {
        Duration backoff = settings.backoff().delay(failures, ThreadLocalRandom.current());
        if (failure.retryAfter() == null) {
            return backoff;
        }
        Duration asked = failure.retryAfter().compareTo(settings.maxRetryAfter()) > 0 ? settings.maxRetryAfter() : failure.retryAfter();
        return asked.isNegative() ? backoff : asked;
    }

    /** Waits, waking early only to stop; returns false when the queue was closed. */
    private boolean pause(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
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

    private void unaccount(Item item) {
        if (item instanceof OnDisk) {
            diskBytes -= item.bytes();
        } else {
            memoryBytes -= item.bytes();
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
                spool.delete(disk.entry());
            } catch (IOException e) {
                logOnce("spool-delete", "backend " + backend + ": cannot delete spool file " + disk.entry().file() + ": " + e);
            }
        }
    }

    private void logOnce(String problem, String message) {
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
