package dev.scorch.collector.http;

import java.io.InputStream;

/** A response body as framed on the connection; knows whether it was read to its end, after which the connection can serve again. */
abstract sealed class BodyStream extends InputStream permits ChunkedBody, LengthBody {

    /** Whether the body was read to its end and nothing of it is left on the connection. */
    abstract boolean complete();

    /** The length the server declared, or -1. */
    long declaredLength() {
        return -1;
    }

    @Override
    public int read() throws java.io.IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }
}
