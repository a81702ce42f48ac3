package dev.scorch.collector.pull;

import dev.scorch.collector.protobuf.ProtobufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Test fixture: builds pprof profiles shaped like the Go runtime's (string table built on first
 * use, one location per function, ids in order of first use), so a test can state stacks by name.
 * {@link #reversedTables} numbers everything the other way round, as a program's next profile may.
 */
final class GoStyleProfile {

    private final List<String[]> sampleTypes = new ArrayList<>();
    private final List<Object[]> samples = new ArrayList<>();
    private String[] periodType = {"space", "bytes"};
    private long period = 524288;
    private long timeNanos = 1_000_000_000L;
    private boolean reversed;

    static GoStyleProfile heap() {
        return new GoStyleProfile().types("alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes");
    }

    static GoStyleProfile mutex() {
        return new GoStyleProfile().types("contentions/count", "delay/nanoseconds").period("contentions/count", 1);
    }

    GoStyleProfile types(String... typeSlashUnit) {
        for (String t : typeSlashUnit) {
            sampleTypes.add(t.split("/"));
        }
        return this;
    }

    GoStyleProfile period(String typeSlashUnit, long value) {
        periodType = typeSlashUnit.split("/");
        period = value;
        return this;
    }

    GoStyleProfile at(long nanos) {
        timeNanos = nanos;
        return this;
    }

    GoStyleProfile reversedTables() {
        reversed = true;
        return this;
    }

    /** A sample; {@code stack} is leaf first, e.g. {@code "main.alloc;main.main"}. */
    GoStyleProfile sample(String stack, long... values) {
        samples.add(new Object[] {stack.split(";"), values, null});
        return this;
    }

    /** A sample with a numeric label, as Go's heap profiles carry {@code bytes}. */
    GoStyleProfile sampleWithBytes(String stack, long bytes, long... values) {
        samples.add(new Object[] {stack.split(";"), values, bytes});
        return this;
    }

    byte[] gzipped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(encoded());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    byte[] encoded() {
        Map<String, Integer> strings = new LinkedHashMap<>();
        strings.put("", 0);
        Map<String, Integer> functionIds = new LinkedHashMap<>();
        List<Object[]> ordered = new ArrayList<>(samples);
        if (reversed) {
            java.util.Collections.reverse(ordered);
        }
        for (Object[] s : ordered) {
            String[] frames = (String[]) s[0];
            for (int i = frames.length - 1; i >= 0; i--) {
                functionIds.computeIfAbsent(frames[i], f -> functionIds.size() + 1);
            }
        }
        ProtobufWriter w = new ProtobufWriter();
        for (String[] type : sampleTypes) {
            w.beginMessage(1).varint(1, index(strings, type[0])).varint(2, index(strings, type[1])).endMessage();
        }
        for (Object[] s : samples) {
            String[] frames = (String[]) s[0];
            long[] ids = new long[frames.length];
            for (int i = 0; i < frames.length; i++) {
                ids[i] = functionIds.get(frames[i]);
            }
            w.beginMessage(2).packedVarints(1, ids).packedVarints(2, (long[]) s[1]);
            if (s[2] != null) {
                w.beginMessage(3).varint(1, index(strings, "bytes")).varint(3, (Long) s[2]).endMessage();
            }
            w.endMessage();
        }
        w.beginMessage(3).varint(1, 1).varint(2, 0x400000).varint(3, 0x800000).varint(5, index(strings, "/app/server")).endMessage();
        for (Map.Entry<String, Integer> f : functionIds.entrySet()) {
            long id = f.getValue();
            w.beginMessage(4).varint(1, id).varint(2, 1).varint(3, 0x400000 + id * 16)
                    .beginMessage(4).varint(1, id).varint(2, 10 + f.getKey().length()).endMessage()
                    .endMessage();
        }
        for (Map.Entry<String, Integer> f : functionIds.entrySet()) {
            w.beginMessage(5).varint(1, f.getValue()).varint(2, index(strings, f.getKey()))
                    .varint(3, index(strings, f.getKey())).varint(4, index(strings, "/src/main.go")).endMessage();
        }
        int periodTypeIndex = index(strings, periodType[0]);
        int periodUnitIndex = index(strings, periodType[1]);
        for (String s : strings.keySet()) {
            w.repeatedString(6, s);
        }
        w.varint(9, timeNanos);
        w.beginMessage(11).varint(1, periodTypeIndex).varint(2, periodUnitIndex).endMessage();
        w.varint(12, period);
        return w.toByteArray();
    }

    private static int index(Map<String, Integer> strings, String s) {
        return strings.computeIfAbsent(s, k -> strings.size());
    }
}
