package dev.scorch.collector.protobuf;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads protocol buffers in the wire format over one byte range, the counterpart of {@link
 * ProtobufWriter} for the few messages the collector decodes (pprof from Go programs). Bounded by
 * construction: it never reads outside its range, allocates only what a field's declared length
 * proves is present, and refuses groups, overlong varints and lengths past the end with a {@link
 * MalformedProtobufException} naming the offset.
 *
 * <p>Usage: {@code while (r.next()) switch (r.field()) { ... }}; a caller reads each field it
 * knows with the getter matching its wire type and leaves the rest, which {@link #next} skips.
 *
 * <p>Not thread-safe.
 */
public final class ProtobufReader {

    public static final int WIRE_VARINT = 0;
    public static final int WIRE_FIXED64 = 1;
    public static final int WIRE_LENGTH_DELIMITED = 2;
    public static final int WIRE_FIXED32 = 5;

    private final byte[] buffer;
    private final int end;
    private int position;
    private int field;
    private int wireType;
    private int fieldStart;
    private boolean consumed = true;

    private ProtobufReader(byte[] buffer, int offset, int end) {
        this.buffer = buffer;
        this.position = offset;
        this.end = end;
    }

    /** A reader of {@code buffer[offset, offset + length)}. */
    public static ProtobufReader of(byte[] buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buffer.length || offset + length < 0) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") outside a buffer of " + buffer.length);
        }
        return new ProtobufReader(buffer, offset, offset + length);
    }

    public static ProtobufReader of(byte[] buffer) {
        return new ProtobufReader(buffer, 0, buffer.length);
    }

    /** Moves to the next field, skipping the current one if it was not read; false at the end. */
    public boolean next() throws MalformedProtobufException {
        finishField();
        if (position >= end) {
            return false;
        }
        fieldStart = position;
        long tag = rawVarint();
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (field < 1 || tag >>> 3 > 0x1FFFFFFF) {
            throw malformed("invalid field number " + (tag >>> 3));
        }
        if (wireType != WIRE_VARINT && wireType != WIRE_FIXED64 && wireType != WIRE_LENGTH_DELIMITED && wireType != WIRE_FIXED32) {
            throw malformed("unsupported wire type " + wireType + " for field " + field);
        }
        consumed = false;
        return true;
    }

    /** Skips the current field unless it was read, so {@link #position} is its end. */
    public void finishField() throws MalformedProtobufException {
        if (!consumed) {
            skip();
        }
    }

    /** The current field's number. */
    public int field() {
        return field;
    }

    /** The current field's wire type. */
    public int wireType() {
        return wireType;
    }

    /** Where the current field's tag starts, for copying a whole field verbatim. */
    public int fieldStart() {
        return fieldStart;
    }

    /** Where the reader is: after a field was read or skipped, the end of that field. */
    public int position() {
        return position;
    }

    /** The buffer this reader reads from. */
    public byte[] buffer() {
        return buffer;
    }

    /** The current field as an unsigned varint ({@code int64}, {@code uint64}, enums, bools). */
    public long varint() throws MalformedProtobufException {
        require(WIRE_VARINT);
        consumed = true;
        return rawVarint();
    }

    /** The current length-delimited field as a reader of its body (an embedded message). */
    public ProtobufReader message() throws MalformedProtobufException {
        int length = lengthDelimited();
        return new ProtobufReader(buffer, position - length, position);
    }

    /** The current length-delimited field as a UTF-8 string; invalid UTF-8 is refused. */
    public String string() throws MalformedProtobufException {
        int length = lengthDelimited();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buffer, position - length, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("field " + field + " is not valid UTF-8");
        }
    }

    /**
     * A repeated varint field, packed (one length-delimited run) or not (one value per tag),
     * appended to {@code into}.
     */
    public void repeatedVarint(LongList into) throws MalformedProtobufException {
        if (wireType == WIRE_LENGTH_DELIMITED) {
            int length = lengthDelimited();
            int runEnd = position;
            position -= length;
            while (position < runEnd) {
                into.add(rawVarintBefore(runEnd));
            }
        } else {
            into.add(varint());
        }
    }

    private int lengthDelimited() throws MalformedProtobufException {
        require(WIRE_LENGTH_DELIMITED);
        consumed = true;
        long length = rawVarint();
        // A 10-byte varint may be negative as a long: it must not move the position backwards.
        if (length < 0 || length > end - position) {
            throw malformed("field " + field + " declares " + length + " bytes, only " + (end - position) + " remain");
        }
        position += (int) length;
        return (int) length;
    }

    private void skip() throws MalformedProtobufException {
        consumed = true;
        switch (wireType) {
            case WIRE_VARINT -> rawVarint();
            case WIRE_FIXED64 -> advance(8);
            case WIRE_FIXED32 -> advance(4);
            default -> {
                long length = rawVarint();
                if (length < 0 || length > end - position) {
                    throw malformed("field " + field + " declares " + length + " bytes, only " + (end - position) + " remain");
                }
                position += (int) length;
            }
        }
    }

    private void advance(int bytes) throws MalformedProtobufException {
        if (bytes > end - position) {
            throw malformed("field " + field + " is cut off");
        }
        position += bytes;
    }

    private void require(int expected) throws MalformedProtobufException {
        if (consumed) {
            throw new IllegalStateException("field " + field + " was already read; call next()");
        }
        if (wireType != expected) {
            throw malformed("field " + field + " has wire type " + wireType + ", expected " + expected);
        }
    }

    private long rawVarint() throws MalformedProtobufException {
        return rawVarintBefore(end);
    }

    private long rawVarintBefore(int limit) throws MalformedProtobufException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= limit) {
                throw malformed("varint cut off");
            }
            byte b = buffer[position++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    private MalformedProtobufException malformed(String what) {
        return new MalformedProtobufException(what + " at byte " + position);
    }

    /** A growable list of longs, for repeated varint fields without boxing. */
    public static final class LongList {
        private long[] values = new long[8];
        private int size;

        public void add(long value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        public int size() {
            return size;
        }

        public void clear() {
            size = 0;
        }

        public long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
