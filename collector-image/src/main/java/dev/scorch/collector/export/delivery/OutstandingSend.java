package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.delivery.QueuedProfile.OnDisk;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one send a backend's sender thread has out, from the moment its profile goes to the backend
 * until the backend answered (a retry's wait is not part of it), and its cut at shutdown: the send
 * returning signals its backlog's condition, so the cut waits on that instead of polling; a send
 * still out when the grace ends has its spool file marked possibly delivered and its thread
 * interrupted, both under the lock, so a send that returns meanwhile is never cut. Shares its
 * backlog's lock and condition.
 */
final class OutstandingSend {

    private final ReentrantLock lock;
    private final Condition changed;
    private final BacklogSpool spool;
    private final BacklogQueue queue;
    private QueuedProfile item;
    private Thread sender;
    private boolean cut;

    OutstandingSend(ReentrantLock lock, Condition changed, BacklogSpool spool, BacklogQueue queue) {
        this.lock = lock;
        this.changed = changed;
        this.spool = spool;
        this.queue = queue;
    }

    /** {@code item} goes to the backend now, on the calling thread. */
    void begins(QueuedProfile item) {
        lock.lock();
        try {
            this.item = item;
            this.sender = Thread.currentThread();
            this.cut = false;
        } finally {
            lock.unlock();
        }
    }

    /** The backend answered, or the send failed; true when it was cut, so its failure is the cut's, not the backend's. */
    boolean returned() {
        lock.lock();
        try {
            item = null;
            sender = null;
            changed.signalAll();
            return cut;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until no send is out or {@code deadlineNanos} ({@link System#nanoTime()}) passes; a send
     * still out then is cut: its spool file marked possibly delivered, so the next start drops it
     * instead of sending it twice (one held only in memory, the spool unusable, is counted as
     * {@code possibly-delivered} now: it is not sent again either), and its thread interrupted.
     *
     * @return what was cut: the spool file, the profile held only in memory, or null when no send was out
     */
    QueuedProfile cutAt(long deadlineNanos) {
        lock.lock();
        try {
            long left;
            while (item != null && (left = deadlineNanos - System.nanoTime()) > 0) {
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (item == null) {
                return null;
            }
            QueuedProfile stuck = QueuedProfile.current(item);
            if (stuck instanceof OnDisk disk) {
                spool.markPossiblyDelivered(disk);
            } else {
                queue.count("possibly-delivered", 1);
            }
            cut = true;
            sender.interrupt();
            return stuck;
        } finally {
            lock.unlock();
        }
    }
}
