package dev.scorch.collector.http;

import java.io.EOFException;
import java.io.IOException;

/**
 * A body in the chunked transfer coding (RFC 9112 §7.1): chunk-size lines of at most
 * {@value #MAX_SIZE_LINE} bytes and 15 hex digits, chunk extensions ignored, a bounded trailer
 * section read and dropped.
 */
final class ChunkedBody extends BodyStream {

    static final int MAX_SIZE_LINE = 1024;

    private final ConnectionInput input;
    private final Origin origin;
    private long remaining;
    private boolean started;
    private boolean finished;

    ChunkedBody(ConnectionInput input, Origin origin) {
        this.input = input;
        this.origin = origin;
    }

    @Override
    public int read(byte[] target, int offset, int count) throws IOException {
        if (finished) {
            return -1;
        }
        if (count == 0) {
            return 0;
        }
        if (remaining == 0) {
            nextChunk();
            if (finished) {
                return -1;
            }
        }
        int n = input.read(target, offset, (int) Math.min(count, remaining));
        if (n < 0) {
            throw new EOFException(origin + " broke off a chunked answer inside a chunk");
        }
        remaining -= n;
        return n;
    }

    private void nextChunk() throws IOException {
        if (started && !input.readLine(MAX_SIZE_LINE, "the end of a chunk").isEmpty()) {
            throw new MalformedResponseException(origin + " sent a chunk longer than its declared size");
        }
        started = true;
        String line = input.readLine(MAX_SIZE_LINE, "a chunk size");
        int end = line.indexOf(';');
        String hex = (end < 0 ? line : line.substring(0, end)).strip();
        if (hex.isEmpty() || hex.length() > 15) {
            throw new MalformedResponseException(origin + " sent a malformed chunk size: '" + ResponseHeadReader.printable(line) + "'");
        }
        long size;
        try {
            size = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new MalformedResponseException(origin + " sent a malformed chunk size: '" + ResponseHeadReader.printable(line) + "'");
        }
        if (size < 0) {
            throw new MalformedResponseException(origin + " sent a negative chunk size");
        }
        if (size == 0) {
            skipTrailers();
            finished = true;
        }
        remaining = size;
    }

    private void skipTrailers() throws IOException {
        for (int fields = 0; fields <= ResponseHeadReader.MAX_FIELDS; fields++) {
            if (input.readLine(ResponseHeadReader.MAX_LINE, "a trailer field").isEmpty()) {
                return;
            }
        }
        throw new MalformedResponseException(origin + " sent more than " + ResponseHeadReader.MAX_FIELDS + " trailer fields");
    }

    @Override
    boolean complete() {
        return finished;
    }
}
