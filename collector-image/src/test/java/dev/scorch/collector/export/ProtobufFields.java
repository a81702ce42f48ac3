package dev.scorch.collector.export;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a protobuf message field by field, by number, without a schema: tests use it to check
 * that our requests put each value under the field number the published .proto declares.
 */
public final class ProtobufFields {

    /** One field occurrence: number and raw value (varint as long, length-delimited as bytes). */
    public record Field(int number, long varint, byte[] bytes) {
        public String string() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private ProtobufFields() {}

    public static List<Field> read(byte[] message) {
        List<Field> fields = new ArrayList<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(message);
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                int number = WireFormat.getTagFieldNumber(tag);
                switch (WireFormat.getTagWireType(tag)) {
                    case WireFormat.WIRETYPE_VARINT -> fields.add(new Field(number, in.readRawVarint64(), null));
                    case WireFormat.WIRETYPE_LENGTH_DELIMITED -> fields.add(new Field(number, 0, in.readByteArray()));
                    case WireFormat.WIRETYPE_FIXED64 -> fields.add(new Field(number, in.readFixed64(), null));
                    case WireFormat.WIRETYPE_FIXED32 -> fields.add(new Field(number, in.readFixed32(), null));
                    default -> throw new IllegalArgumentException("unexpected wire type in tag " + tag);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fields;
    }

    public static List<Field> all(byte[] message, int number) {
        return read(message).stream().filter(f -> f.number() == number).toList();
    }

    public static Field only(byte[] message, int number) {
        List<Field> found = all(message, number);
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one field " + number + ", found " + found.size());
        }
        return found.getFirst();
    }
}
