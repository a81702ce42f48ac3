package dev.scorch.collector.export.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The parts of a gzipped pprof {@code Profile} (google/pprof proto/profile.proto) that the OTLP
 * conversion needs, decoded by field number. Bounded: the inflated size is capped, so a broken
 * profile costs an error, not the collector's memory.
 */
record Pprof(
        List<String> strings,
        List<long[]> sampleTypes,
        List<Sample> samples,
        List<Mapping> mappings,
        List<Location> locations,
        List<Function> functions,
        long timeNanos,
        long durationNanos,
        long[] periodType,
        long period) {

    static final int MAX_INFLATED_BYTES = 64 << 20;

    record Sample(long[] locationIds, long[] values) {}

    record Mapping(long id, long memoryStart, long memoryLimit, long fileOffset, long filename, long buildId) {}

    record Line(long functionId, long line) {}

    record Location(long id, long mappingId, long address, List<Line> lines) {}

    record Function(long id, long name, long systemName, long filename, long startLine) {}

    String string(long index) {
        return index >= 0 && index < strings.size() ? strings.get((int) index) : "";
    }

    static Pprof parseGzipped(byte[] gzipped) throws IOException {
        byte[] raw;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            raw = in.readNBytes(MAX_INFLATED_BYTES + 1);
        }
        if (raw.length > MAX_INFLATED_BYTES) {
            throw new IOException("pprof inflates beyond " + MAX_INFLATED_BYTES + " bytes");
        }
        return parse(raw);
    }

    static Pprof parse(byte[] raw) throws IOException {
        List<String> strings = new ArrayList<>();
        List<long[]> sampleTypes = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        List<Mapping> mappings = new ArrayList<>();
        List<Location> locations = new ArrayList<>();
        List<Function> functions = new ArrayList<>();
        long timeNanos = 0;
        long durationNanos = 0;
        long[] periodType = {0, 0};
        long period = 0;
        CodedInputStream in = CodedInputStream.newInstance(raw);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> sampleTypes.add(valueType(in.readByteArray()));
                case 2 -> samples.add(sample(in.readByteArray()));
                case 3 -> mappings.add(mapping(in.readByteArray()));
                case 4 -> locations.add(location(in.readByteArray()));
                case 5 -> functions.add(function(in.readByteArray()));
                case 6 -> strings.add(in.readStringRequireUtf8());
                case 9 -> timeNanos = in.readInt64();
                case 10 -> durationNanos = in.readInt64();
                case 11 -> periodType = valueType(in.readByteArray());
                case 12 -> period = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return new Pprof(strings, sampleTypes, samples, mappings, locations, functions, timeNanos, durationNanos, periodType, period);
    }

    private static long[] valueType(byte[] bytes) throws IOException {
        long[] typeAndUnit = new long[2];
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> typeAndUnit[0] = in.readInt64();
                case 2 -> typeAndUnit[1] = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return typeAndUnit;
    }

    private static Sample sample(byte[] bytes) throws IOException {
        List<Long> locationIds = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> repeatedVarint(in, tag, locationIds);
                case 2 -> repeatedVarint(in, tag, values);
                default -> in.skipField(tag);
            }
        }
        return new Sample(locationIds.stream().mapToLong(Long::longValue).toArray(), values.stream().mapToLong(Long::longValue).toArray());
    }

    private static Mapping mapping(byte[] bytes) throws IOException {
        long[] f = new long[7];
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int number = WireFormat.getTagFieldNumber(tag);
            if (number >= 1 && number <= 6 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                f[number] = in.readUInt64();
            } else {
                in.skipField(tag);
            }
        }
        return new Mapping(f[1], f[2], f[3], f[4], f[5], f[6]);
    }

    private static Location location(byte[] bytes) throws IOException {
        long id = 0;
        long mappingId = 0;
        long address = 0;
        List<Line> lines = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> id = in.readUInt64();
                case 2 -> mappingId = in.readUInt64();
                case 3 -> address = in.readUInt64();
                case 4 -> lines.add(line(in.readByteArray()));
                default -> in.skipField(tag);
            }
        }
        return new Location(id, mappingId, address, lines);
    }

    private static Line line(byte[] bytes) throws IOException {
        long functionId = 0;
        long line = 0;
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> functionId = in.readUInt64();
                case 2 -> line = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        return new Line(functionId, line);
    }

    private static Function function(byte[] bytes) throws IOException {
        long[] f = new long[6];
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int number = WireFormat.getTagFieldNumber(tag);
            if (number >= 1 && number <= 5 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                f[number] = in.readInt64();
            } else {
                in.skipField(tag);
            }
        }
        return new Function(f[1], f[2], f[3], f[4], f[5]);
    }

    /** A repeated varint field, packed (one length-delimited run) or not (one tag per value). */
    private static void repeatedVarint(CodedInputStream in, int tag, List<Long> into) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                into.add(in.readRawVarint64());
            }
            in.popLimit(limit);
        } else {
            into.add(in.readRawVarint64());
        }
    }
}
