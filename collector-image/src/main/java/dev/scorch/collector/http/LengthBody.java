package dev.scorch.collector.http;

import java.io.EOFException;
import java.io.IOException;

/** A body of a declared Content-Length, or (length -1) one that ends when the server closes the connection. */
final class LengthBody extends BodyStream {

    private final ConnectionInput input;
    private final Origin origin;
    private final long length;
    private long remaining;

    LengthBody(ConnectionInput input, Origin origin, long length) {
        this.input = input;
        this.origin = origin;
        this.length = length;
        this.remaining = length;
    }

    @Override
    public int read(byte[] target, int offset, int count) throws IOException {
        if (remaining == 0 || count == 0) {
            return remaining == 0 ? -1 : 0;
        }
        int n = input.read(target, offset, remaining < 0 ? count : (int) Math.min(count, remaining));
        if (n < 0) {
            if (remaining > 0) {
                throw new EOFException(origin + " broke off its answer after " + (length - remaining) + " of " + length + " bytes");
            }
            return -1;
        }
        if (remaining > 0) {
            remaining -= n;
        }
        return n;
    }

    /** Only a body of declared length leaves the connection usable: one read to the close has ended it. */
    @Override
    boolean complete() {
        return remaining == 0;
    }

    @Override
    long declaredLength() {
        return length;
    }
}
