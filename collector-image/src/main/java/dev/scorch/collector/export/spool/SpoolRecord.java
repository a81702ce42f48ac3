package dev.scorch.collector.export.spool;

import dev.scorch.collector.export.ExportedProfile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The on-disk form of one spooled profile: a fixed prefix (magic with the format version, body
 * length) lets recovery reject truncated files from the file size alone, and a CRC32 over the
 * body catches torn or bit-flipped content when the file is read for sending.
 *
 * <pre>
 * "SCSPOOL1" | int64 bodyLength | body | int64 crc32(body)
 * body = utf id | int64 startSecond | int32 startNano | int64 durationNanos
 *      | int32 labelCount | (utf key, utf value)* | int32 payloadLength | payload
 * </pre>
 */
final class SpoolRecord {

    static final byte[] MAGIC = "SCSPOOL1".getBytes(StandardCharsets.US_ASCII);
    static final int PREFIX_BYTES = MAGIC.length + Long.BYTES;
    private static final int MAX_LABELS = 4096;

    private SpoolRecord() {}

    /**
     * The record of {@code profile} as buffers to write in order: its prefix and metadata, the
     * payload itself (wrapped, not copied: a payload is as large as the record, and every
     * backend of every policy spools one each interval) and the checksum.
     */
    static ByteBuffer[] encode(ExportedProfile profile) {
        var metadata = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(metadata)) {
            out.writeUTF(profile.id());
            out.writeLong(profile.start().getEpochSecond());
            out.writeInt(profile.start().getNano());
            out.writeLong(profile.duration().toNanos());
            out.writeInt(profile.labels().size());
            for (var label : profile.labels().entrySet()) {
                out.writeUTF(label.getKey());
                out.writeUTF(label.getValue());
            }
            out.writeInt(profile.payload().length);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        byte[] payload = profile.payload();
        long bodyLength = (long) metadata.size() + payload.length;
        ByteBuffer head = ByteBuffer.allocate(PREFIX_BYTES + metadata.size()).put(MAGIC).putLong(bodyLength);
        head.put(metadata.toByteArray(), 0, metadata.size()).flip();
        var crc = new CRC32();
        crc.update(head.array(), PREFIX_BYTES, metadata.size());
        crc.update(payload);
        ByteBuffer tail = ByteBuffer.allocate(Long.BYTES).putLong(crc.getValue()).flip();
        return new ByteBuffer[] {head, ByteBuffer.wrap(payload), tail};
    }

    /** The bytes left in {@code parts}. */
    static long length(ByteBuffer[] parts) {
        long total = 0;
        for (ByteBuffer part : parts) {
            total += part.remaining();
        }
        return total;
    }

    /** The total file length the prefix promises, or -1 when the prefix is not ours. */
    static long declaredLength(byte[] prefix) {
        if (prefix.length < PREFIX_BYTES || !Arrays.equals(prefix, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return -1;
        }
        long body = ByteBuffer.wrap(prefix, MAGIC.length, Long.BYTES).getLong();
        return body < 0 || body > Long.MAX_VALUE / 2 ? -1 : PREFIX_BYTES + body + Long.BYTES;
    }

    static ExportedProfile decode(byte[] file) throws CorruptSpoolFileException {
        long declared = declaredLength(file);
        if (declared != file.length) {
            throw new CorruptSpoolFileException("length " + file.length + " does not match the declared " + declared);
        }
        int bodyLength = file.length - PREFIX_BYTES - Long.BYTES;
        var crc = new CRC32();
        crc.update(file, PREFIX_BYTES, bodyLength);
        if (crc.getValue() != ByteBuffer.wrap(file, PREFIX_BYTES + bodyLength, Long.BYTES).getLong()) {
            throw new CorruptSpoolFileException("checksum mismatch");
        }
        try (var in = new DataInputStream(new ByteArrayInputStream(file, PREFIX_BYTES, bodyLength))) {
            String id = in.readUTF();
            Instant start = Instant.ofEpochSecond(in.readLong(), in.readInt());
            Duration duration = Duration.ofNanos(in.readLong());
            int labelCount = in.readInt();
            if (labelCount < 0 || labelCount > MAX_LABELS) {
                throw new CorruptSpoolFileException("label count " + labelCount);
            }
            SortedMap<String, String> labels = new TreeMap<>();
            for (int i = 0; i < labelCount; i++) {
                labels.put(in.readUTF(), in.readUTF());
            }
            int payloadLength = in.readInt();
            if (payloadLength < 0 || payloadLength > in.available()) {
                throw new CorruptSpoolFileException("payload length " + payloadLength);
            }
            byte[] payload = in.readNBytes(payloadLength);
            return new ExportedProfile(id, labels, start, duration, payload);
        } catch (IOException | RuntimeException e) {
            throw new CorruptSpoolFileException("unreadable body: " + e);
        }
    }
}
