package dev.scorch.collector.protobuf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes protocol buffers in the wire format without generated code: the collector emits only a
 * handful of small, stable messages (pprof, Pyroscope push, Parca WriteRaw), so a writer driven by
 * field numbers is smaller and faster than protoc output plus the protobuf runtime.
 *
 * <p>Singular scalar fields equal to their default (0, false, empty) are omitted, exactly as a
 * proto3 encoder does; use {@link #repeatedString} and the packed writers for repeated fields,
 * which are always written. Nested messages are framed with {@link #beginMessage}/{@link
 * #endMessage}: the body is written in place behind a one-byte length slot that is widened (by
 * moving the body) only when the body turns out to be 128 bytes or longer, so small messages cost
 * no copy.
 *
 * <p>Not thread-safe; one writer builds one message.
 *
 * <p>One file past the usual size: every field writer shares the one buffer and the
 * length-slot framing of the messages open around it.
 */
public final class ProtobufWriter {

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_FIXED64 = 1;
    private static final int WIRE_LENGTH_DELIMITED = 2;
    private static final int MAX_NESTING = 64;

    private byte[] buffer;
    private int position;
    private final int[] openMessages = new int[MAX_NESTING];
    private int depth;

    public ProtobufWriter() {
        this(256);
    }

    public ProtobufWriter(int initialCapacity) {
        buffer = new byte[Math.max(16, initialCapacity)];
    }

    /** An {@code int64}/{@code uint64}/{@code int32}/{@code uint32}/enum field; omitted when 0. */
    public ProtobufWriter varint(int field, long value) {
        if (value != 0) {
            tag(field, WIRE_VARINT);
            rawVarint(value);
        }
        return this;
    }

    /** A {@code bool} field; omitted when false. */
    public ProtobufWriter bool(int field, boolean value) {
        return varint(field, value ? 1 : 0);
    }

    /** A {@code fixed64} field, eight bytes little-endian; omitted when 0. */
    public ProtobufWriter fixed64(int field, long value) {
        if (value != 0) {
            tag(field, WIRE_FIXED64);
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buffer[position++] = (byte) (value >>> (8 * i));
            }
        }
        return this;
    }

    /** A {@code string} field in UTF-8; omitted when null or empty. */
    public ProtobufWriter string(int field, String value) {
        if (value != null && !value.isEmpty()) {
            repeatedString(field, value);
        }
        return this;
    }

    /** One element of a {@code repeated string} field; always written, even when empty. */
    public ProtobufWriter repeatedString(int field, String value) {
        int mark = position;
        int length = value.length();
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(length);
        ensure(length);
        byte[] b = buffer;
        int p = position;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                // Not ASCII: the UTF-8 length differs from the char count, start over.
                position = mark;
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                return repeatedBytes(field, utf8, 0, utf8.length);
            }
            b[p++] = (byte) c;
        }
        position = p;
        return this;
    }

    /** A {@code bytes} field; omitted when null or empty. */
    public ProtobufWriter bytes(int field, byte[] value) {
        if (value != null && value.length > 0) {
            repeatedBytes(field, value, 0, value.length);
        }
        return this;
    }

    /** One element of a {@code repeated bytes} field, or a {@code bytes} field that must be present. */
    public ProtobufWriter repeatedBytes(int field, byte[] value, int offset, int length) {
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(length);
        ensure(length);
        System.arraycopy(value, offset, buffer, position, length);
        position += length;
        return this;
    }

    /**
     * Appends fields that are already encoded (tags included), e.g. copied from a message a
     * {@link ProtobufReader} read, so a rewrite keeps what it does not change byte for byte.
     */
    public ProtobufWriter encodedFields(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, buffer, position, length);
        position += length;
        return this;
    }

    /** A packed {@code repeated int64/uint64} field from {@code values[from, to)}; omitted when empty. */
    public ProtobufWriter packedVarints(int field, long[] values, int from, int to) {
        if (from >= to) {
            return this;
        }
        int payload = 0;
        for (int i = from; i < to; i++) {
            payload += varintSize(values[i]);
        }
        tag(field, WIRE_LENGTH_DELIMITED);
        rawVarint(payload);
        ensure(payload);
        for (int i = from; i < to; i++) {
            rawVarint(values[i]);
        }
        return this;
    }

    /** A packed {@code repeated int64/uint64} field; omitted when empty. */
    public ProtobufWriter packedVarints(int field, long... values) {
        return packedVarints(field, values, 0, values.length);
    }

    /** Opens an embedded message in {@code field}; everything written until {@link #endMessage} is its body. */
    public ProtobufWriter beginMessage(int field) {
        if (depth == MAX_NESTING) {
            throw new IllegalStateException("messages nested deeper than " + MAX_NESTING);
        }
        tag(field, WIRE_LENGTH_DELIMITED);
        ensure(1);
        position++; // length slot, one byte until the body proves longer
        openMessages[depth++] = position;
        return this;
    }

    /** Closes the innermost message opened with {@link #beginMessage}, writing its length. */
    public ProtobufWriter endMessage() {
        if (depth == 0) {
            throw new IllegalStateException("endMessage without beginMessage");
        }
        int bodyStart = openMessages[--depth];
        int length = position - bodyStart;
        int lengthSize = varintSize(length);
        if (lengthSize > 1) {
            ensure(lengthSize - 1);
            System.arraycopy(buffer, bodyStart, buffer, bodyStart + lengthSize - 1, length);
            position += lengthSize - 1;
        }
        writeVarintAt(bodyStart - 1, length);
        return this;
    }

    /** Bytes written so far. */
    public int size() {
        return position;
    }

    /** The encoded message; every opened message must be closed. */
    public byte[] toByteArray() {
        requireClosed();
        return Arrays.copyOf(buffer, position);
    }

    /** Writes the encoded message to {@code out} without an intermediate copy. */
    public void writeTo(OutputStream out) throws IOException {
        requireClosed();
        out.write(buffer, 0, position);
    }

    /** Forgets everything written, keeping the buffer for the next message. */
    public void reset() {
        position = 0;
        depth = 0;
    }

    /** The number of bytes {@code value} takes as an unsigned varint (1 to 10). */
    public static int varintSize(long value) {
        // 64 - leading zeros = significant bits; every 7 bits take one byte, 0 takes one byte.
        int bits = 64 - Long.numberOfLeadingZeros(value | 1);
        return (bits + 6) / 7;
    }

    private void requireClosed() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " embedded message(s) still open");
        }
    }

    private void tag(int field, int wireType) {
        if (field < 1 || field > 0x1FFFFFFF) {
            throw new IllegalArgumentException("field number out of range: " + field);
        }
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        ensure(10);
        byte[] b = buffer;
        int p = position;
        while ((value & ~0x7FL) != 0) {
            b[p++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        b[p++] = (byte) value;
        position = p;
    }

    private void writeVarintAt(int at, long value) {
        while ((value & ~0x7FL) != 0) {
            buffer[at++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[at] = (byte) value;
    }

    private void ensure(int more) {
        int needed = position + more;
        if (needed < 0) {
            throw new IllegalStateException("protobuf message larger than 2 GiB");
        }
        if (needed > buffer.length) {
            int grown = buffer.length + (buffer.length >> 1);
            buffer = Arrays.copyOf(buffer, Math.max(needed, grown < 0 ? Integer.MAX_VALUE - 8 : grown));
        }
    }
}
