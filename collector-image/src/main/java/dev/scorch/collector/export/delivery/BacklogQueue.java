package dev.scorch.collector.export.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The profiles waiting for one backend, oldest first, the head in flight, and the spool bound: over
 * it the oldest spool files go first, never the one in flight. Profiles held in memory are bounded
 * node-wide instead ({@link DeliverySettings#memoryBudget}). Counts the bytes queued and every
 * profile dropped, by reason. Not thread-safe: guarded by its {@link Backlog}'s lock.
 */
final class BacklogQueue {

    private final long maxSpoolBytes;
    private final BacklogSpool spool;
    private final Deque<QueuedProfile> items = new ArrayDeque<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private QueuedProfile inFlight;
    /** The head in flight waits for a retry, not being sent. */
    private boolean inFlightWaits;
    private long diskBytes;
    private long memoryBytes;

    BacklogQueue(long maxSpoolBytes, BacklogSpool spool) {
        this.maxSpoolBytes = maxSpoolBytes;
        this.spool = spool;
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    boolean contains(QueuedProfile item) {
        return items.contains(item);
    }

    void addLast(QueuedProfile item) {
        items.addLast(item);
        account(item, 1);
    }

    /** Removes {@code item}; false when it is not queued. */
    boolean remove(QueuedProfile item) {
        if (items.remove(item)) {
            account(item, -1);
            return true;
        }
        return false;
    }

    /** Puts {@code disk} where {@code memory} is, in flight too; false when {@code memory} has left the queue. */
    boolean replace(QueuedProfile.InMemory memory, QueuedProfile.OnDisk disk) {
        if (!items.contains(memory)) {
            return false;
        }
        Deque<QueuedProfile> rebuilt = new ArrayDeque<>(items.size());
        for (QueuedProfile queued : items) {
            rebuilt.addLast(queued == memory ? disk : queued);
        }
        items.clear();
        items.addAll(rebuilt);
        account(memory, -1);
        account(disk, 1);
        if (inFlight == memory) {
            inFlight = disk;
        }
        enforceSpoolBound();
        return true;
    }

    /** The queued profiles held only in memory, oldest first. */
    List<QueuedProfile.InMemory> inMemory() {
        List<QueuedProfile.InMemory> held = new ArrayList<>();
        for (QueuedProfile item : items) {
            if (item instanceof QueuedProfile.InMemory memory) {
                held.add(memory);
            }
        }
        return held;
    }

    /** Marks the head in flight, being sent, and returns it. */
    QueuedProfile sendHead() {
        inFlight = items.peekFirst();
        return inFlight;
    }

    /** The head in flight now waits for a retry: it is not being sent meanwhile. */
    void headWaits() {
        inFlightWaits = true;
    }

    /** Nothing is in flight any more. */
    void settled() {
        inFlight = null;
        inFlightWaits = false;
    }

    boolean inFlight(QueuedProfile item) {
        return item == inFlight;
    }

    /** Whether {@code item} is being sent: in flight and not waiting for a retry. */
    boolean beingSent(QueuedProfile item) {
        return item == inFlight && !inFlightWaits;
    }

    /** Drops the oldest spool files that are not in flight until the spool bound holds. */
    void enforceSpoolBound() {
        Iterator<QueuedProfile> oldestFirst = items.iterator();
        while (diskBytes > maxSpoolBytes && oldestFirst.hasNext()) {
            QueuedProfile item = oldestFirst.next();
            if (item != inFlight && item instanceof QueuedProfile.OnDisk) {
                oldestFirst.remove();
                account(item, -1);
                discard(item, "spool-full");
            }
        }
    }

    /** Deletes the spool file of {@code item}, if any, and counts it as dropped for {@code reason}. */
    void discard(QueuedProfile item, String reason) {
        spool.delete(item);
        count(reason, 1);
    }

    void count(String reason, long profiles) {
        if (profiles > 0) {
            dropped.merge(reason, profiles, Long::sum);
        }
    }

    long queuedBytes() {
        return diskBytes + memoryBytes;
    }

    Map<String, Long> dropped() {
        return Map.copyOf(dropped);
    }

    private void account(QueuedProfile item, int sign) {
        if (item instanceof QueuedProfile.OnDisk) {
            diskBytes += sign * item.bytes();
        } else {
            memoryBytes += sign * item.bytes();
        }
    }
}
