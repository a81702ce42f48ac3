package dev.scorch.collector.profile;

import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.CpuProfile.SampleLabel;
import dev.scorch.collector.protobuf.ProtobufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Encodes a {@link CpuProfile} as a {@code perftools.profiles.Profile} message the way the Go
 * runtime writes CPU profiles: sample types {@code samples/count} and {@code cpu/nanoseconds},
 * period type {@code cpu/nanoseconds}, string table with {@code ""} first, gzip at best speed.
 */
public final class PprofEncoder {

    // perftools.profiles.Profile field numbers (google/pprof proto/profile.proto)
    private static final int PROFILE_SAMPLE_TYPE = 1;
    private static final int PROFILE_SAMPLE = 2;
    private static final int PROFILE_MAPPING = 3;
    private static final int PROFILE_LOCATION = 4;
    private static final int PROFILE_FUNCTION = 5;
    private static final int PROFILE_STRING_TABLE = 6;
    private static final int PROFILE_TIME_NANOS = 9;
    private static final int PROFILE_DURATION_NANOS = 10;
    private static final int PROFILE_PERIOD_TYPE = 11;
    private static final int PROFILE_PERIOD = 12;
    private static final int PROFILE_COMMENT = 13;

    /** A gzip member's header: magic, deflate, no flags, no time, no extra flags, unknown OS (RFC 1952). */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int MAX_STORED_BLOCK = 65_535;

    private final Map<String, Integer> stringIndex = new HashMap<>();
    private final List<String> strings = new ArrayList<>();

    private PprofEncoder() {
        index("");
    }

    /** The uncompressed message. */
    public static byte[] encode(CpuProfile profile) {
        return new PprofEncoder().write(profile).toByteArray();
    }

    /** The gzipped message, as pprof files and backends take it. */
    public static byte[] gzipped(CpuProfile profile) {
        return gzip(new PprofEncoder().write(profile));
    }

    /**
     * The gzipped message in two gzip members, which a reader takes as one stream (RFC 1952; Go's
     * and Java's gzip readers do): everything but the comments, the same for every profile of the
     * same tables and so compressed once ({@code shared}), then this profile's comments appended
     * to the string table, stored uncompressed: a hundred bytes or so, not worth a compressor set
     * up for each of twenty policies. A protobuf message may repeat a field anywhere, so the two parts
     * concatenated are one {@code Profile}.
     *
     * @param shared the compressed first part of profiles with these tables, filled by the first
     */
    static byte[] gzipped(CpuProfile profile, SharedEncodings.Pprof shared) {
        if (shared.body == null) {
            PprofEncoder encoder = new PprofEncoder();
            shared.body = gzip(encoder.writeBody(profile));
            shared.strings = encoder.strings.size();
        }
        ProtobufWriter comments = new ProtobufWriter(256);
        writeComments(comments, profile, shared.strings);
        byte[] tail = storedGzipMember(comments.toByteArray());
        byte[] both = java.util.Arrays.copyOf(shared.body, shared.body.length + tail.length);
        System.arraycopy(tail, 0, both, shared.body.length, tail.length);
        return both;
    }

    /** {@code data} as one gzip member of stored deflate blocks (RFC 1951 BTYPE 00, at most 65,535 bytes each). */
    static byte[] storedGzipMember(byte[] data) {
        int blocks = Math.max(1, (data.length + MAX_STORED_BLOCK - 1) / MAX_STORED_BLOCK);
        ByteBuffer out = ByteBuffer.allocate(GZIP_HEADER.length + blocks * 5 + data.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        out.put(GZIP_HEADER);
        int offset = 0;
        for (int block = 0; block < blocks; block++) {
            int length = Math.min(MAX_STORED_BLOCK, data.length - offset);
            out.put((byte) (block == blocks - 1 ? 1 : 0)); // BFINAL on the last, BTYPE 00
            out.putShort((short) length).putShort((short) ~length);
            out.put(data, offset, length);
            offset += length;
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        out.putInt((int) crc.getValue()).putInt(data.length);
        return out.array();
    }

    private static byte[] gzip(ProtobufWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, writer.size() / 4));
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            writer.writeTo(gzip);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip into memory failed", e);
        }
        return out.toByteArray();
    }

    private ProtobufWriter write(CpuProfile profile) {
        ProtobufWriter w = writeBody(profile);
        writeComments(w, profile, strings.size());
        return w;
    }

    /** The comments as string-table entries after the body's {@code bodyStrings} strings, and their indices. */
    private static void writeComments(ProtobufWriter w, CpuProfile profile, int bodyStrings) {
        int index = bodyStrings;
        for (String comment : profile.comments()) {
            w.repeatedString(PROFILE_STRING_TABLE, comment);
            w.varint(PROFILE_COMMENT, index++);
        }
    }

    /** Everything but the comments, which follow it with their own string-table entries. */
    private ProtobufWriter writeBody(CpuProfile profile) {
        int samples = index("samples");
        int count = index("count");
        int cpu = index("cpu");
        int nanoseconds = index("nanoseconds");
        internAll(profile);

        ProtobufWriter w = new ProtobufWriter(64 * 1024);
        valueType(w, PROFILE_SAMPLE_TYPE, samples, count);
        valueType(w, PROFILE_SAMPLE_TYPE, cpu, nanoseconds);

        long[] values = new long[2];
        for (ProfileSample sample : profile.samples()) {
            w.beginMessage(PROFILE_SAMPLE);
            w.packedVarints(1, sample.locationIds());
            values[0] = sample.count();
            values[1] = sample.count() * profile.periodNanos();
            w.packedVarints(2, values);
            for (SampleLabel label : sample.labels()) {
                w.beginMessage(3).varint(1, index(label.key()));
                if (label.str() != null) {
                    w.varint(2, index(label.str()));
                } else {
                    w.varint(3, label.num());
                }
                w.endMessage();
            }
            w.endMessage();
        }

        long id = 1;
        for (ProfileMapping mapping : profile.mappings()) {
            w.beginMessage(PROFILE_MAPPING)
                    .varint(1, id++)
                    .varint(2, mapping.start())
                    .varint(3, mapping.limit())
                    .varint(4, mapping.fileOffset())
                    .varint(5, index(mapping.file()))
                    .varint(6, index(mapping.buildId()))
                    .bool(7, mapping.hasFunctions())
                    .endMessage();
        }

        id = 1;
        for (ProfileLocation location : profile.locations()) {
            w.beginMessage(PROFILE_LOCATION).varint(1, id++).varint(2, location.mappingId()).varint(3, location.address());
            for (int i = 0; i < location.functionIds().length; i++) {
                w.beginMessage(4).varint(1, location.functionIds()[i]).varint(2, location.lines()[i]).endMessage();
            }
            w.endMessage();
        }

        id = 1;
        for (ProfileFunction function : profile.functions()) {
            w.beginMessage(PROFILE_FUNCTION)
                    .varint(1, id++)
                    .varint(2, index(function.name()))
                    .varint(3, index(function.systemName()))
                    .varint(4, index(function.file()))
                    .endMessage();
        }

        for (String string : strings) {
            w.repeatedString(PROFILE_STRING_TABLE, string);
        }
        w.varint(PROFILE_TIME_NANOS, profile.start().getEpochSecond() * 1_000_000_000L + profile.start().getNano());
        w.varint(PROFILE_DURATION_NANOS, profile.duration().toNanos());
        valueType(w, PROFILE_PERIOD_TYPE, cpu, nanoseconds);
        w.varint(PROFILE_PERIOD, profile.periodNanos());
        return w;
    }

    /** Interns every string up front so the string table is complete before it is written. */
    private void internAll(CpuProfile profile) {
        for (ProfileSample sample : profile.samples()) {
            for (SampleLabel label : sample.labels()) {
                index(label.key());
                if (label.str() != null) {
                    index(label.str());
                }
            }
        }
        for (ProfileMapping mapping : profile.mappings()) {
            index(mapping.file());
            index(mapping.buildId());
        }
        for (ProfileFunction function : profile.functions()) {
            index(function.name());
            index(function.systemName());
            index(function.file());
        }
    }

    private static void valueType(ProtobufWriter w, int field, int type, int unit) {
        w.beginMessage(field).varint(1, type).varint(2, unit).endMessage();
    }

    private int index(String value) {
        String key = value == null ? "" : value;
        Integer existing = stringIndex.get(key);
        if (existing != null) {
            return existing;
        }
        int added = strings.size();
        strings.add(key);
        stringIndex.put(key, added);
        return added;
    }
}
