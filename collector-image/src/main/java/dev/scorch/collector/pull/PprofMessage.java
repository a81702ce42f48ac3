package dev.scorch.collector.pull;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.protobuf.MalformedProtobufException;
import dev.scorch.collector.protobuf.ProtobufReader;
import dev.scorch.collector.protobuf.ProtobufReader.LongList;
import dev.scorch.collector.pull.PulledProfile.Function;
import dev.scorch.collector.pull.PulledProfile.Label;
import dev.scorch.collector.pull.PulledProfile.Line;
import dev.scorch.collector.pull.PulledProfile.Location;
import dev.scorch.collector.pull.PulledProfile.Sample;
import dev.scorch.collector.pull.PulledProfile.ValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one {@code perftools.profiles.Profile} message (google/pprof {@code proto/profile.proto})
 * into a {@link PulledProfile}, charging its {@link ParseBudget} with the heap of every sample,
 * location, function and string before it is kept (a sample costs ~20 times its encoded size once
 * decoded, so the byte limit alone would not bound the heap), and refusing a message whose
 * references do not hold (a string index outside the table, a sample naming a missing location,
 * values that do not match the sample types).
 *
 * <p>One decoder for one wire message: the readers of its sub-messages and the checks of the
 * references between them stay in this one file, read top to bottom as the message is.
 */
final class PprofMessage {

    // perftools.profiles.Profile field numbers (google/pprof proto/profile.proto)
    private static final int SAMPLE_TYPE = 1;
    private static final int SAMPLE = 2;
    private static final int LOCATION = 4;
    private static final int FUNCTION = 5;
    private static final int STRING_TABLE = 6;
    private static final int TIME_NANOS = 9;
    private static final int DURATION_NANOS = 10;
    private static final int PERIOD_TYPE = 11;
    private static final int PERIOD = 12;

    private PprofMessage() {}

    static PulledProfile decode(byte[] message, ParseBudget budget) throws MalformedProtobufException, OverBudgetException {
        List<long[]> sampleTypeIndices = new ArrayList<>();
        List<RawSample> rawSamples = new ArrayList<>();
        Map<Long, RawLocation> rawLocations = new HashMap<>();
        Map<Long, long[]> rawFunctions = new HashMap<>();
        List<String> strings = new ArrayList<>();
        long[] periodType = null;
        long period = 0;
        long timeNanos = 0;
        int[] kept = new int[32];
        int keptCount = 0;
        LongList scratch = new LongList();

        ProtobufReader profile = ProtobufReader.of(message);
        while (profile.next()) {
            int field = profile.field();
            switch (field) {
                case SAMPLE_TYPE -> sampleTypeIndices.add(valueType(profile.message()));
                case SAMPLE -> {
                    ProtobufReader body = profile.message();
                    // Decoded: the record, two arrays, labels; about 4 times the encoded size plus headers.
                    charge(budget, 128 + 4L * (profile.position() - profile.fieldStart()));
                    rawSamples.add(sample(body, scratch));
                }
                case LOCATION -> {
                    ProtobufReader body = profile.message();
                    charge(budget, 96 + 4L * (profile.position() - profile.fieldStart()));
                    RawLocation location = location(body);
                    rawLocations.put(location.id, location);
                }
                case FUNCTION -> {
                    charge(budget, 96);
                    long[] function = function(profile.message());
                    rawFunctions.put(function[0], function);
                }
                case STRING_TABLE -> {
                    String string = profile.string();
                    charge(budget, 56 + 2L * string.length());
                    strings.add(string);
                }
                case TIME_NANOS -> timeNanos = profile.varint();
                case DURATION_NANOS -> profile.varint();
                case PERIOD_TYPE -> periodType = valueType(profile.message());
                case PERIOD -> period = profile.varint();
                default -> { }
            }
            profile.finishField();
            if (field != SAMPLE && field != TIME_NANOS && field != DURATION_NANOS) {
                if (keptCount + 2 > kept.length) {
                    kept = Arrays.copyOf(kept, kept.length * 2);
                }
                kept[keptCount++] = profile.fieldStart();
                kept[keptCount++] = profile.position() - profile.fieldStart();
            }
        }
        if (sampleTypeIndices.isEmpty()) {
            throw new MalformedProtobufException("no sample types");
        }
        if (strings.isEmpty() || !strings.getFirst().isEmpty()) {
            throw new MalformedProtobufException("the string table does not start with \"\"");
        }
        Strings table = new Strings(strings);
        List<ValueType> sampleTypes = new ArrayList<>(sampleTypeIndices.size());
        for (long[] type : sampleTypeIndices) {
            sampleTypes.add(table.valueType(type));
        }
        Map<Long, Function> functions = new HashMap<>(rawFunctions.size() * 2);
        for (long[] f : rawFunctions.values()) {
            functions.put(f[0], new Function(table.get(f[1]), table.get(f[2])));
        }
        Map<Long, Location> locations = new HashMap<>(rawLocations.size() * 2);
        for (RawLocation l : rawLocations.values()) {
            locations.put(l.id, new Location(l.address, l.lines));
        }
        List<Sample> samples = new ArrayList<>(rawSamples.size());
        for (RawSample s : rawSamples) {
            if (s.values.length != sampleTypes.size()) {
                throw new MalformedProtobufException("a sample has " + s.values.length + " values for "
                        + sampleTypes.size() + " sample types");
            }
            for (long id : s.locationIds) {
                if (!locations.containsKey(id)) {
                    throw new MalformedProtobufException("a sample names location " + id + ", which the profile lacks");
                }
            }
            samples.add(new Sample(s.locationIds, s.values, table.labels(s.labels), s.labelFields));
        }
        return new PulledProfile(message, List.copyOf(sampleTypes), samples, locations, functions,
                periodType == null ? null : table.valueType(periodType), period, timeNanos, Arrays.copyOf(kept, keptCount));
    }

    /** One more decoded object of about {@code heapBytes}: a step of work and its heap. */
    private static void charge(ParseBudget budget, long heapBytes) throws OverBudgetException {
        budget.steps(1);
        budget.heap(heapBytes);
    }

    private static long[] valueType(ProtobufReader r) throws MalformedProtobufException {
        long[] typeAndUnit = new long[2];
        while (r.next()) {
            if (r.field() <= 2 && r.wireType() == ProtobufReader.WIRE_VARINT) {
                typeAndUnit[r.field() - 1] = r.varint();
            }
        }
        return typeAndUnit;
    }

    private record RawSample(long[] locationIds, long[] values, List<long[]> labels, byte[] labelFields) {}

    private record RawLocation(long id, long address, List<Line> lines) {}

    private static RawSample sample(ProtobufReader r, LongList scratch) throws MalformedProtobufException {
        long[] locationIds = new long[0];
        long[] values = new long[0];
        List<long[]> labels = List.of();
        int labelBytes = 0;
        byte[] labelFields = new byte[0];
        while (r.next()) {
            switch (r.field()) {
                case 1 -> {
                    scratch.clear();
                    r.repeatedVarint(scratch);
                    locationIds = concat(locationIds, scratch.toArray());
                }
                case 2 -> {
                    scratch.clear();
                    r.repeatedVarint(scratch);
                    values = concat(values, scratch.toArray());
                }
                case 3 -> {
                    int start = r.fieldStart();
                    long[] label = new long[4];
                    ProtobufReader l = r.message();
                    while (l.next()) {
                        if (l.field() <= 4 && l.wireType() == ProtobufReader.WIRE_VARINT) {
                            label[l.field() - 1] = l.varint();
                        }
                    }
                    if (labels.isEmpty()) {
                        labels = new ArrayList<>(2);
                    }
                    labels.add(label);
                    int length = r.position() - start;
                    labelFields = Arrays.copyOf(labelFields, labelBytes + length);
                    System.arraycopy(r.buffer(), start, labelFields, labelBytes, length);
                    labelBytes += length;
                }
                default -> { }
            }
        }
        return new RawSample(locationIds, values, labels, labelFields);
    }

    private static RawLocation location(ProtobufReader r) throws MalformedProtobufException {
        long id = 0;
        long address = 0;
        List<Line> lines = new ArrayList<>(1);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> id = varint(r);
                case 3 -> address = varint(r);
                case 4 -> {
                    long functionId = 0;
                    long line = 0;
                    ProtobufReader l = r.message();
                    while (l.next()) {
                        if (l.field() == 1 && l.wireType() == ProtobufReader.WIRE_VARINT) {
                            functionId = l.varint();
                        } else if (l.field() == 2 && l.wireType() == ProtobufReader.WIRE_VARINT) {
                            line = l.varint();
                        }
                    }
                    lines.add(new Line(functionId, line));
                }
                default -> { }
            }
        }
        if (id == 0) {
            throw new MalformedProtobufException("a location has no id");
        }
        return new RawLocation(id, address, lines);
    }

    /** id, name, filename as string indices. */
    private static long[] function(ProtobufReader r) throws MalformedProtobufException {
        long[] f = new long[3];
        while (r.next()) {
            switch (r.field()) {
                case 1 -> f[0] = varint(r);
                case 2 -> f[1] = varint(r);
                case 4 -> f[2] = varint(r);
                default -> { }
            }
        }
        return f;
    }

    private static long varint(ProtobufReader r) throws MalformedProtobufException {
        return r.wireType() == ProtobufReader.WIRE_VARINT ? r.varint() : 0;
    }

    private static long[] concat(long[] a, long[] b) {
        if (a.length == 0) {
            return b;
        }
        long[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** The string table, with out-of-range indices refused. */
    private record Strings(List<String> all) {
        String get(long index) throws MalformedProtobufException {
            if (index < 0 || index >= all.size()) {
                throw new MalformedProtobufException("string index " + index + " outside a table of " + all.size());
            }
            return all.get((int) index);
        }

        ValueType valueType(long[] typeAndUnit) throws MalformedProtobufException {
            return new ValueType(get(typeAndUnit[0]), get(typeAndUnit[1]));
        }

        List<Label> labels(List<long[]> raw) throws MalformedProtobufException {
            if (raw.isEmpty()) {
                return List.of();
            }
            List<Label> labels = new ArrayList<>(raw.size());
            for (long[] l : raw) {
                labels.add(new Label(get(l[0]), l[1] == 0 ? null : get(l[1]), l[2], get(l[3])));
            }
            return labels;
        }
    }
}
