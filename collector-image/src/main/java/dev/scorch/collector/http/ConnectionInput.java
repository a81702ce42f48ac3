package dev.scorch.collector.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A connection's input, buffered: bounded lines for the head and chunk sizes, bytes for bodies. A
 * read that fails because the exchange's deadline closed the socket, or because no byte came
 * within the read timeout, says so and names the origin.
 */
final class ConnectionInput {

    private final InputStream in;
    private final Connection connection;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private long received;

    ConnectionInput(InputStream in, Connection connection) {
        this.in = in;
        this.connection = connection;
    }

    /** Bytes received on this connection since {@link #resetReceived}; 0 means the server has not answered at all. */
    long received() {
        return received;
    }

    void resetReceived() {
        received = 0;
    }

    /** Whether bytes arrived that no answer asked for (a connection in that state cannot be reused). */
    boolean hasBuffered() {
        return position < limit;
    }

    int read() throws IOException {
        if (position == limit && fill() < 0) {
            return -1;
        }
        return buffer[position++] & 0xFF;
    }

    int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == limit) {
            if (length >= buffer.length) {
                int n = guarded(target, offset, length);
                if (n > 0) {
                    received += n;
                }
                return n;
            }
            if (fill() < 0) {
                return -1;
            }
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, n);
        position += n;
        return n;
    }

    /**
     * One line without its CRLF (a bare LF is accepted too), as ISO-8859-1.
     *
     * @throws MalformedResponseException when the line is longer than {@code maxBytes}
     * @throws EOFException when the connection ends before the line does
     */
    String readLine(int maxBytes, String what) throws IOException {
        byte[] line = new byte[Math.min(maxBytes, 128)];
        int length = 0;
        while (true) {
            int b = read();
            if (b < 0) {
                throw new EOFException(connection.origin() + " closed the connection in the middle of " + what);
            }
            if (b == '\n') {
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                return new String(line, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (length == maxBytes) {
                throw new MalformedResponseException(connection.origin() + " sent " + what + " longer than " + maxBytes + " bytes");
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(maxBytes, line.length * 2));
            }
            line[length++] = (byte) b;
        }
    }

    private int fill() throws IOException {
        int n = guarded(buffer, 0, buffer.length);
        position = 0;
        limit = Math.max(n, 0);
        if (n > 0) {
            received += n;
        }
        return n;
    }

    private int guarded(byte[] target, int offset, int length) throws IOException {
        try {
            return in.read(target, offset, length);
        } catch (SocketTimeoutException e) {
            throw connection.expired() ? connection.deadlineExceeded()
                    : new SocketTimeoutException(connection.origin() + " sent nothing for " + connection.readTimeoutMillis() + " ms");
        } catch (IOException e) {
            if (connection.expired()) {
                throw connection.deadlineExceeded();
            }
            throw e;
        }
    }
}
