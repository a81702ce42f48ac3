package dev.scorch.collector.json;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes under the reader: a whole document in memory, or a stream read 8 KiB at a time (a
 * watch connection, never buffered whole). Keeps the line and column for error messages and
 * refuses a document past its byte bound at each refill, so an endless stream costs one buffer.
 */
final class JsonInput {

    private static final int BUFFER_BYTES = 8192;

    private final InputStream stream;
    private final long maxDocumentBytes;
    private final JsonPath path;
    byte[] buffer;
    int position;
    int end;
    /** Offset in the input of {@code buffer[0]}. */
    private long base;
    private int line = 1;
    private long lineStart;
    private long documentStart;

    JsonInput(byte[] bytes, int length, long maxDocumentBytes, JsonPath path) {
        this.stream = null;
        this.buffer = bytes;
        this.end = length;
        this.maxDocumentBytes = maxDocumentBytes;
        this.path = path;
    }

    JsonInput(InputStream stream, long maxDocumentBytes, JsonPath path) {
        this.stream = stream;
        this.buffer = new byte[BUFFER_BYTES];
        this.maxDocumentBytes = maxDocumentBytes;
        this.path = path;
    }

    /** A document (or a stream's next value) starts here: its byte bound counts from this offset. */
    void startDocument() throws JsonParseException {
        documentStart = base + position;
        if (stream == null && end > maxDocumentBytes) {
            throw error("document larger than " + maxDocumentBytes + " bytes");
        }
    }

    /** The next byte (0-255) without taking it; -1 at the end of the input. */
    int peek() throws IOException {
        if (position < end || fill()) {
            return buffer[position] & 0xff;
        }
        return -1;
    }

    /** Takes the next byte (0-255); -1 at the end of the input. */
    int read() throws IOException {
        if (position < end || fill()) {
            return buffer[position++] & 0xff;
        }
        return -1;
    }

    /** The next byte that is not JSON whitespace, not taken; -1 at the end of the input. */
    int skipWhitespace() throws IOException {
        while (true) {
            int c = peek();
            switch (c) {
                case ' ', '\t', '\r' -> position++;
                case '\n' -> {
                    position++;
                    line++;
                    lineStart = base + position;
                }
                default -> {
                    return c;
                }
            }
        }
    }

    /** Refills the buffer; false at the end of the input. */
    boolean fill() throws IOException {
        if (stream == null) {
            return false;
        }
        base += end;
        position = 0;
        end = 0;
        if (base - documentStart > maxDocumentBytes) {
            throw error("document larger than " + maxDocumentBytes + " bytes");
        }
        int n;
        do {
            n = stream.read(buffer, 0, buffer.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        end = n;
        return true;
    }

    /** An error at the current byte, naming the value being read. */
    JsonParseException error(String problem) {
        return new JsonParseException(problem, line, base + position - lineStart + 1, path.render());
    }

    /** The byte {@code c} for a message: {@code '}'}, {@code byte 0xC3} or {@code the end of the input}. */
    static String describe(int c) {
        if (c < 0) {
            return "the end of the input";
        }
        if (c >= 0x21 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        return c == ' ' ? "a space" : String.format("byte 0x%02X", c);
    }
}
