package dev.scorch.collector.http;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One TCP connection (with TLS over it for https), its buffered input and output, and what the
 * pool needs to know: when it went idle and whether the server has closed it since.
 */
final class Connection {

    private final Origin origin;
    private final Socket raw;
    private final Socket socket;
    private final ConnectionInput input;
    private final OutputStream output;
    private int readTimeoutMillis;
    private long idleSince;
    private volatile String deadlineMessage;

    /**
     * @param raw the TCP socket
     * @param socket what is read and written: {@code raw}, or the TLS socket layered over it
     */
    Connection(Origin origin, Socket raw, Socket socket, int readTimeoutMillis) throws IOException {
        this.origin = origin;
        this.raw = raw;
        this.socket = socket;
        this.readTimeoutMillis = readTimeoutMillis;
        this.input = new ConnectionInput(socket.getInputStream(), this);
        this.output = new BufferedOutputStream(socket.getOutputStream(), 16 << 10);
    }

    Origin origin() {
        return origin;
    }

    ConnectionInput input() {
        return input;
    }

    OutputStream output() {
        return output;
    }

    int readTimeoutMillis() {
        return readTimeoutMillis;
    }

    void readTimeout(int millis) throws SocketException {
        if (millis != readTimeoutMillis) {
            socket.setSoTimeout(millis);
            readTimeoutMillis = millis;
        }
    }

    void idle(long nanos) {
        idleSince = nanos;
    }

    long idleSince() {
        return idleSince;
    }

    /**
     * Whether it can carry another request: the server has neither closed it nor sent anything
     * unasked. One non-blocking read of the TCP socket, no wait: a read with a short timeout parks
     * a virtual thread on a timer, which cost more CPU than the rest of a send. Bytes found there
     * are consumed, which is harmless: such a connection is not used again.
     */
    boolean stillOpen() {
        SocketChannel channel = raw.getChannel();
        if (raw.isClosed() || input.hasBuffered() || channel == null) {
            return false;
        }
        try {
            channel.configureBlocking(false);
            try {
                return channel.read(ByteBuffer.allocate(1)) == 0;
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException closed) {
            return false;
        }
    }

    /** The deadline passed: cut the connection, so a read or write blocked on it fails at once. */
    void expire(String message) {
        deadlineMessage = message;
        abort();
    }

    boolean expired() {
        return deadlineMessage != null;
    }

    DeadlineExceededException deadlineExceeded() {
        return new DeadlineExceededException(deadlineMessage);
    }

    /**
     * Closes the TCP socket, without TLS's close_notify: callable from any thread, it makes a read
     * or write blocked on the connection fail at once.
     */
    void abort() {
        try {
            raw.close();
        } catch (IOException ignored) {
            // a socket that fails to close is closed as far as this connection goes
        }
    }
}
