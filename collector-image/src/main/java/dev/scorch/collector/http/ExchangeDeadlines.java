package dev.scorch.collector.http;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Cuts off exchanges that pass their deadline. A read timeout bounds each wait for bytes, but not
 * a server that trickles its answer a byte at a time, nor a write to a server that stops reading;
 * this watcher closes such a connection, so the blocked call fails at once. One virtual thread for
 * the whole process, started at the first deadline, wakes only when the earliest deadline passes.
 */
final class ExchangeDeadlines {

    static final ExchangeDeadlines SHARED = new ExchangeDeadlines();

    private record Deadline(long nanos, String message) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition earlier = lock.newCondition();
    private final Map<Connection, Deadline> watched = new HashMap<>();
    private long sleepingUntil = Long.MAX_VALUE;
    private Thread watcher;

    /** Cuts {@code connection} off with {@code message} unless it is {@link #release released} before {@code deadlineNanos}. */
    void watch(Connection connection, long deadlineNanos, String message) {
        lock.lock();
        try {
            watched.put(connection, new Deadline(deadlineNanos, message));
            if (watcher == null) {
                watcher = Thread.ofVirtual().name("scorch-http-deadlines").start(this::run);
            } else if (deadlineNanos - sleepingUntil < 0) {
                earlier.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    void release(Connection connection) {
        lock.lock();
        try {
            watched.remove(connection);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Map<Connection, Deadline> due = new HashMap<>();
            lock.lock();
            try {
                long now = System.nanoTime();
                long earliest = now + TimeUnit.DAYS.toNanos(1);
                for (var entry = watched.entrySet().iterator(); entry.hasNext(); ) {
                    var next = entry.next();
                    if (next.getValue().nanos() - now <= 0) {
                        due.put(next.getKey(), next.getValue());
                        entry.remove();
                    } else if (next.getValue().nanos() - earliest < 0) {
                        earliest = next.getValue().nanos();
                    }
                }
                if (due.isEmpty()) {
                    sleepingUntil = earliest;
                    earlier.awaitNanos(earliest - now);
                    sleepingUntil = Long.MAX_VALUE;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            due.forEach((connection, deadline) -> connection.expire(deadline.message()));
        }
    }
}
