package dev.scorch.collector.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;

/**
 * An answer whose body is read from the connection as the caller asks for it. Closing it gives the
 * connection back for the next request when the body was read to its end and the server keeps the
 * connection open, and closes the connection otherwise (an unread rest is never drained).
 */
public final class HttpResponse implements AutoCloseable {

    private final ResponseHead head;
    private final BodyStream body;
    private final boolean keepAlive;
    private final Connection connection;
    private final Http1Client client;
    private boolean closed;

    HttpResponse(ResponseHead head, BodyStream body, boolean keepAlive, Connection connection, Http1Client client) {
        this.head = head;
        this.body = body;
        this.keepAlive = keepAlive;
        this.connection = connection;
        this.client = client;
    }

    public int status() {
        return head.status();
    }

    public HttpHeaders headers() {
        return head.headers();
    }

    /**
     * The whole body, refused as soon as it is known to exceed {@code maxBytes} (by its declared
     * length, or as it arrives), so a huge answer is never held.
     *
     * @throws ResponseTooLargeException saying the limit
     */
    public byte[] readBody(int maxBytes) throws IOException {
        if (body.declaredLength() > maxBytes) {
            throw tooLarge(body.declaredLength() + " bytes declared", maxBytes);
        }
        byte[] bytes = new byte[(int) Math.min(maxBytes + 1L, body.declaredLength() >= 0 ? body.declaredLength() : 8192)];
        int size = 0;
        while (true) {
            if (size == bytes.length) {
                if (size > maxBytes) {
                    throw tooLarge("more than " + maxBytes + " bytes received", maxBytes);
                }
                bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes + 1L, bytes.length * 2L));
            }
            int n = body.read(bytes, size, bytes.length - size);
            if (n < 0) {
                return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
            }
            size += n;
            if (size > maxBytes) {
                throw tooLarge("more than " + maxBytes + " bytes received", maxBytes);
            }
        }
    }

    /**
     * The body as a stream for a reader that consumes it as it arrives (a decoder), refused as soon
     * as it is known to exceed {@code maxBytes}: by its declared length before any byte is read,
     * then by a {@link ResponseTooLargeException} from the read that passes the limit.
     */
    public CappedBody body(int maxBytes) throws ResponseTooLargeException {
        if (body.declaredLength() > maxBytes) {
            throw tooLarge(body.declaredLength() + " bytes declared", maxBytes);
        }
        return new CappedBody(maxBytes);
    }

    /** The body read under a cap, counting what arrived. */
    public final class CappedBody extends InputStream {
        private final int maxBytes;
        private long received;

        private CappedBody(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            int n = body.read(target, offset, (int) Math.min(length, maxBytes + 1L - received));
            if (n > 0) {
                received += n;
                if (received > maxBytes) {
                    throw tooLarge("more than " + maxBytes + " bytes received", maxBytes);
                }
            }
            return n;
        }

        /** Body bytes read so far. */
        public long received() {
            return received;
        }
    }

    /** At most the first {@code maxBytes} of the body, for an error message; a broken-off body gives what arrived. */
    public byte[] readExcerpt(int maxBytes) {
        byte[] bytes = new byte[maxBytes];
        int size = 0;
        try {
            while (size < maxBytes) {
                int n = body.read(bytes, size, maxBytes - size);
                if (n < 0) {
                    break;
                }
                size += n;
            }
        } catch (IOException brokenOff) {
            // what arrived is all the message can show
        }
        return Arrays.copyOf(bytes, size);
    }

    /**
     * The body as a stream, for an answer that lasts (a watch); closing the stream closes the
     * response. Reading it from one thread and closing it from another ends the read at once.
     */
    public InputStream body() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return body.read();
            }

            @Override
            public int read(byte[] target, int offset, int length) throws IOException {
                return body.read(target, offset, length);
            }

            @Override
            public void close() {
                HttpResponse.this.close();
            }
        };
    }

    /** From now on, the longest wait for the next byte of the body (a watch waits longer than a request). */
    public void readTimeout(Duration timeout) throws IOException {
        connection.readTimeout(HttpSettings.millis(timeout));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        client.release(connection, keepAlive && body.complete());
    }

    private static ResponseTooLargeException tooLarge(String what, int maxBytes) {
        return new ResponseTooLargeException("the answer is too large (" + what + "; the limit is " + maxBytes + " bytes)");
    }
}
