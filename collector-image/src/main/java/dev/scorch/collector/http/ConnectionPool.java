package dev.scorch.collector.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Idle keep-alive connections, newest last: at most {@code perOrigin} for one origin and
 * {@code total} in all (the oldest goes first), none kept longer than {@code expiry}. Expired
 * connections are closed whenever the pool is used, so it needs no thread of its own.
 */
final class ConnectionPool {

    private final int perOrigin;
    private final int total;
    private final long expiryNanos;
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    ConnectionPool(int perOrigin, int total, Duration expiry) {
        this.perOrigin = perOrigin;
        this.total = total;
        this.expiryNanos = expiry.toNanos();
    }

    /** The most recently used idle connection to {@code origin}, or null. */
    Connection take(Origin origin) {
        List<Connection> stale = new ArrayList<>(0);
        Connection found = null;
        synchronized (this) {
            expire(System.nanoTime(), stale);
            for (Iterator<Connection> newest = idle.descendingIterator(); newest.hasNext(); ) {
                Connection connection = newest.next();
                if (connection.origin().equals(origin)) {
                    newest.remove();
                    found = connection;
                    break;
                }
            }
        }
        stale.forEach(Connection::abort);
        return found;
    }

    /** Keeps {@code connection} for the next request to its origin. */
    void give(Connection connection) {
        long now = System.nanoTime();
        connection.idle(now);
        List<Connection> dropped = new ArrayList<>(0);
        synchronized (this) {
            if (closed) {
                dropped.add(connection);
            } else {
                idle.addLast(connection);
                expire(now, dropped);
                int sameOrigin = 0;
                for (Iterator<Connection> newest = idle.descendingIterator(); newest.hasNext(); ) {
                    Connection other = newest.next();
                    if (other.origin().equals(connection.origin()) && ++sameOrigin > perOrigin) {
                        newest.remove();
                        dropped.add(other);
                    }
                }
                while (idle.size() > total) {
                    dropped.add(idle.removeFirst());
                }
            }
        }
        dropped.forEach(Connection::abort);
    }

    synchronized int size() {
        return idle.size();
    }

    void close() {
        List<Connection> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(Connection::abort);
    }

    private void expire(long now, List<Connection> into) {
        while (!idle.isEmpty() && now - idle.peekFirst().idleSince() > expiryNanos) {
            into.add(idle.removeFirst());
        }
    }
}
