package dev.scorch.collector.http;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small HTTP/1.1 client: requests run on the calling thread over blocking sockets (a virtual
 * thread parks while it waits), keep-alive connections are pooled per origin, and every wait is
 * bounded (connect timeout, read timeout, and an optional deadline for the whole exchange).
 *
 * <p>A request that fails on a pooled connection before any byte of the answer arrived is sent
 * once more on a new connection when that is safe: the request was not completely written, or it
 * is idempotent. The server may have closed the idle connection just as it was reused.
 *
 * <p>Thread-safe. {@link #close} cuts off the exchanges in flight, so their callers fail at once.
 */
public final class Http1Client implements AutoCloseable {

    private final HttpSettings settings;
    private final Connector connector;
    private final ConnectionPool pool;
    private final ExchangeDeadlines deadlines = ExchangeDeadlines.SHARED;
    private final Set<Connection> inUse = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** @param tls see {@link Connector#Connector}; null for plain HTTP only */
    public Http1Client(HttpSettings settings, Supplier<SSLSocketFactory> tls) {
        this.settings = settings;
        this.connector = new Connector(settings.connectTimeout(), tls);
        this.pool = new ConnectionPool(settings.idlePerOrigin(), settings.idleTotal(), settings.idleExpiry());
    }

    /**
     * Sends {@code request} and reads the answer's head; the caller reads the body and closes the
     * response.
     *
     * @param deadline for the whole exchange, connection to the body's last byte; null for none
     *     (an answer that streams for as long as it lasts)
     * @throws IllegalArgumentException when the URL or a header cannot be sent (never echoing a value)
     * @throws IOException naming the origin: {@link ConnectTimeoutException},
     *     {@link DeadlineExceededException}, {@link java.net.SocketTimeoutException} (no byte within
     *     the read timeout), {@link MalformedResponseException}, TLS and connection errors
     */
    public HttpResponse send(HttpRequest request, Duration deadline) throws IOException {
        Origin origin = Origin.of(request.uri());
        long deadlineNanos = deadline == null ? 0 : System.nanoTime() + deadline.toNanos();
        while (true) {
            requireOpen(origin);
            Connection connection = pooled(origin);
            boolean reused = connection != null;
            if (!reused) {
                connection = connector.open(origin, settings.readTimeoutMillis());
            }
            inUse.add(connection);
            // Plain sends need the watcher too, read timeout or not: the timeout bounds each wait for
            // a byte, not an answer trickling a byte per 100 ms, and no socket write times out, so a
            // server that stops reading holds a POST's body write for good. Without it both cases in
            // HostileServerTest outlived a 1 s deadline by 30 s, when the test's timeout ended them.
            if (deadline != null) {
                deadlines.watch(connection, deadlineNanos, origin + " did not answer completely within " + deadline.toMillis() + " ms");
            }
            boolean written = false;
            try {
                connection.readTimeout(settings.readTimeoutMillis());
                connection.input().resetReceived();
                RequestWriter.write(request, origin, connection.output());
                written = true;
                ResponseHead head = ResponseHeadReader.read(connection.input(), origin);
                return respond(request, head, connection);
            } catch (IOException | RuntimeException e) {
                release(connection, false);
                if (connection.expired()) {
                    throw connection.deadlineExceeded();
                }
                requireOpen(origin);
                boolean unanswered = connection.input().received() == 0 && e instanceof IOException;
                if (!(reused && unanswered && (!written || request.idempotent()))) {
                    throw e;
                }
            }
        }
    }

    private Connection pooled(Origin origin) {
        for (Connection idle = pool.take(origin); idle != null; idle = pool.take(origin)) {
            if (idle.stillOpen()) {
                return idle;
            }
            idle.abort();
        }
        return null;
    }

    private HttpResponse respond(HttpRequest request, ResponseHead head, Connection connection) throws IOException {
        Origin origin = connection.origin();
        BodyStream body;
        boolean framed = true;
        int status = head.status();
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            body = new LengthBody(connection.input(), origin, 0);
        } else if (!head.headers().elements("Transfer-Encoding").isEmpty()) {
            if (!head.headers().elements("Transfer-Encoding").equals(List.of("chunked"))) {
                throw new MalformedResponseException(origin + " answered in a transfer coding other than chunked: "
                        + ResponseHeadReader.printable(String.join(", ", head.headers().elements("Transfer-Encoding"))));
            }
            body = new ChunkedBody(connection.input(), origin);
        } else if (!head.headers().elements("Content-Length").isEmpty()) {
            body = new LengthBody(connection.input(), origin, contentLength(head, origin));
        } else {
            body = new LengthBody(connection.input(), origin, -1);
            framed = false;
        }
        boolean keepAlive = framed && head.http11() && head.headers().elements("Connection").stream().noneMatch("close"::equalsIgnoreCase);
        return new HttpResponse(head, body, keepAlive, connection, this);
    }

    private static long contentLength(ResponseHead head, Origin origin) throws MalformedResponseException {
        long length = -1;
        for (String value : head.headers().elements("Content-Length")) {
            long parsed;
            try {
                parsed = value.length() > 18 ? -1 : Long.parseLong(value);
            } catch (NumberFormatException e) {
                parsed = -1;
            }
            if (parsed < 0 || (length >= 0 && parsed != length)) {
                throw new MalformedResponseException(origin + " sent an invalid Content-Length: "
                        + ResponseHeadReader.printable(value));
            }
            length = parsed;
        }
        return length;
    }

    /** The exchange on {@code connection} is over: keep the connection for the next request, or close it. */
    void release(Connection connection, boolean reusable) {
        deadlines.release(connection);
        inUse.remove(connection);
        if (reusable && !closed && !connection.expired()) {
            pool.give(connection);
            if (closed) {
                pool.close();
            }
        } else {
            connection.abort();
        }
    }

    private void requireOpen(Origin origin) throws IOException {
        if (closed) {
            throw new IOException("request to " + origin + " abandoned: the client is closed");
        }
    }

    /** Idle connections kept for reuse, for tests. */
    int idleConnections() {
        return pool.size();
    }

    @Override
    public void close() {
        closed = true;
        pool.close();
        inUse.forEach(Connection::abort);
    }
}
