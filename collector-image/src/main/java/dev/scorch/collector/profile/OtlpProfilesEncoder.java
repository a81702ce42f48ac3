package dev.scorch.collector.profile;

import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.ValuedProfile.ValueType;
import dev.scorch.collector.profile.ValuedProfile.ValuedSample;
import dev.scorch.collector.protobuf.ProtobufWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;

/**
 * Writes a profile as an OTLP {@code ExportProfilesServiceRequest} of the profiles signal as
 * opentelemetry-proto 1.10.0-alpha defines it ({@code v1development}): one {@code
 * ProfilesDictionary} (mappings, locations, functions, strings, attributes and stacks, each table
 * starting with its zero entry) and one {@code Profile} per sample type, because an OTLP profile
 * has exactly one: {@code samples/count} and {@code cpu/nanoseconds} for a {@link CpuProfile}, a
 * pulled Go profile's own types ({@code alloc_space/bytes}, {@code goroutine/count}, ...) for a
 * {@link ValuedProfile}.
 *
 * <p>The profile's ids are 1-based positions, so a pprof mapping, location or function id is its
 * OTLP table index as it stands. The target's labels become resource attributes, the Kubernetes
 * ones under their semantic convention names; a mapping's build id becomes the
 * {@code process.executable.build_id.gnu} attribute.
 *
 * <p>One file past the usual size: one encoder per wire format, and the profiles and the
 * dictionary index into the same string and stack tables, which only this encoder fills.
 */
public final class OtlpProfilesEncoder {

    private static final Map<String, String> SEMANTIC_NAMES = Map.of(
            "service_name", "service.name",
            "namespace", "k8s.namespace.name",
            "pod", "k8s.pod.name",
            "container", "k8s.container.name",
            "node", "k8s.node.name");

    static final String BUILD_ID_ATTRIBUTE = "process.executable.build_id.gnu";

    // ExportProfilesServiceRequest
    private static final int REQUEST_RESOURCE_PROFILES = 1;
    private static final int REQUEST_DICTIONARY = 2;
    // ProfilesDictionary
    private static final int DICTIONARY_MAPPINGS = 1;
    private static final int DICTIONARY_LOCATIONS = 2;
    private static final int DICTIONARY_FUNCTIONS = 3;
    private static final int DICTIONARY_LINKS = 4;
    private static final int DICTIONARY_STRINGS = 5;
    private static final int DICTIONARY_ATTRIBUTES = 6;
    private static final int DICTIONARY_STACKS = 7;
    // Profile
    private static final int PROFILE_SAMPLE_TYPE = 1;
    private static final int PROFILE_SAMPLES = 2;
    private static final int PROFILE_TIME_UNIX_NANO = 3;
    private static final int PROFILE_DURATION_NANO = 4;
    private static final int PROFILE_PERIOD_TYPE = 5;
    private static final int PROFILE_PERIOD = 6;
    private static final int PROFILE_ID = 7;

    private final Map<String, Integer> stringIndex = new HashMap<>();
    private final List<String> strings = new ArrayList<>();
    private final Map<StackKey, Integer> stackIndex = new HashMap<>();
    private final List<long[]> stacks = new ArrayList<>();
    private final int[] sampleStacks;
    private final int[] mappingBuildIdAttribute;
    private final List<String> buildIds = new ArrayList<>();

    /**
     * Each OTLP profile's fields (one per sample type) but its {@code profile_id}, and the
     * dictionary field: encoded once however many requests of these tables are written, since
     * only the resource (labels) and the profile ids differ between them.
     */
    private final byte[][] profileFields;
    private final byte[] dictionary;

    /** An encoder for requests of {@code profile}'s tables, samples, interval and period. */
    OtlpProfilesEncoder(ValuedProfile profile) {
        string("");
        stacks.add(new long[0]);
        sampleStacks = new int[profile.samples().size()];
        for (int s = 0; s < sampleStacks.length; s++) {
            sampleStacks[s] = stack(profile.samples().get(s).locationIds());
        }
        mappingBuildIdAttribute = new int[profile.mappings().size()];
        for (int m = 0; m < mappingBuildIdAttribute.length; m++) {
            String buildId = profile.mappings().get(m).buildId();
            if (buildId != null && !buildId.isEmpty()) {
                buildIds.add(buildId);
                mappingBuildIdAttribute[m] = buildIds.size();
            }
        }
        profileFields = profileFields(profile);
        dictionary = dictionary(profile);
    }

    /** The serialized request for {@code profile}; {@code profileId} makes each {@code profile_id} stable across replays. */
    public static byte[] encode(CpuProfile profile, String profileId) {
        return encode(ValuedProfile.of(profile), profileId);
    }

    /** The serialized request for {@code profile}, one OTLP profile per sample type. */
    public static byte[] encode(ValuedProfile profile, String profileId) {
        return new OtlpProfilesEncoder(profile).write(profile.labels(), profileId);
    }

    /** About the heap this encoder holds: its encoded parts and its string and stack tables. */
    long estimatedBytes() {
        long bytes = 128L + dictionary.length + 4L * sampleStacks.length + 96L * (strings.size() + stacks.size());
        for (byte[] fields : profileFields) {
            bytes += fields.length;
        }
        return bytes;
    }

    /** The request for a profile of this encoder's tables with these series labels. */
    byte[] write(SortedMap<String, String> labels, String profileId) {
        int size = dictionary.length + 1024;
        for (byte[] fields : profileFields) {
            size += fields.length + 32;
        }
        var w = new ProtobufWriter(size);
        w.beginMessage(REQUEST_RESOURCE_PROFILES);
        w.beginMessage(1); // Resource
        labels.forEach((name, value) -> w.beginMessage(1)
                .string(1, SEMANTIC_NAMES.getOrDefault(name, name))
                .beginMessage(2).repeatedString(1, value).endMessage()
                .endMessage());
        w.endMessage();
        w.beginMessage(2); // ScopeProfiles
        w.beginMessage(1).string(1, "scorch-collector").endMessage();
        for (int type = 0; type < profileFields.length; type++) {
            w.beginMessage(2); // Profile
            w.encodedFields(profileFields[type], 0, profileFields[type].length);
            w.bytes(PROFILE_ID, profileId(profileId, type));
            w.endMessage();
        }
        w.endMessage();
        w.endMessage();
        w.encodedFields(dictionary, 0, dictionary.length);
        return w.toByteArray();
    }

    private byte[][] profileFields(ValuedProfile profile) {
        int[][] sampleTypes = new int[profile.sampleTypes().size()][];
        for (int type = 0; type < sampleTypes.length; type++) {
            sampleTypes[type] = new int[] {string(profile.sampleTypes().get(type).type()), string(profile.sampleTypes().get(type).unit())};
        }
        ValueType period = profile.periodType() == null ? new ValueType("", "") : profile.periodType();
        int periodType = string(period.type());
        int periodUnit = string(period.unit());
        long startNanos = profile.start().getEpochSecond() * 1_000_000_000L + profile.start().getNano();
        byte[][] fields = new byte[sampleTypes.length][];
        var w = new ProtobufWriter(16 * 1024);
        for (int type = 0; type < sampleTypes.length; type++) {
            w.reset();
            valueType(w, PROFILE_SAMPLE_TYPE, sampleTypes[type][0], sampleTypes[type][1]);
            for (int s = 0; s < sampleStacks.length; s++) {
                ValuedSample sample = profile.samples().get(s);
                long value = sample.values()[type];
                if (value != 0) {
                    w.beginMessage(PROFILE_SAMPLES).varint(1, sampleStacks[s]).packedVarints(4, value).endMessage();
                }
            }
            w.fixed64(PROFILE_TIME_UNIX_NANO, startNanos);
            w.varint(PROFILE_DURATION_NANO, profile.duration().toNanos());
            valueType(w, PROFILE_PERIOD_TYPE, periodType, periodUnit);
            w.varint(PROFILE_PERIOD, profile.period());
            fields[type] = w.toByteArray();
        }
        return fields;
    }

    private byte[] dictionary(ValuedProfile profile) {
        int buildIdKey = string(BUILD_ID_ATTRIBUTE);
        for (ProfileMapping mapping : profile.mappings()) {
            string(mapping.file());
        }
        for (ProfileFunction function : profile.functions()) {
            string(function.name());
            string(function.systemName());
            string(function.file());
        }

        var w = new ProtobufWriter(64 * 1024);
        w.beginMessage(REQUEST_DICTIONARY);
        w.beginMessage(DICTIONARY_MAPPINGS).endMessage();
        for (int m = 0; m < profile.mappings().size(); m++) {
            ProfileMapping mapping = profile.mappings().get(m);
            w.beginMessage(DICTIONARY_MAPPINGS)
                    .varint(1, mapping.start())
                    .varint(2, mapping.limit())
                    .varint(3, mapping.fileOffset())
                    .varint(4, string(mapping.file()));
            if (mappingBuildIdAttribute[m] != 0) {
                w.packedVarints(5, mappingBuildIdAttribute[m]);
            }
            w.endMessage();
        }
        w.beginMessage(DICTIONARY_LOCATIONS).endMessage();
        for (ProfileLocation location : profile.locations()) {
            w.beginMessage(DICTIONARY_LOCATIONS).varint(1, location.mappingId()).varint(2, location.address());
            for (int i = 0; i < location.functionIds().length; i++) {
                w.beginMessage(3).varint(1, location.functionIds()[i]).varint(2, location.lines()[i]).endMessage();
            }
            w.endMessage();
        }
        w.beginMessage(DICTIONARY_FUNCTIONS).endMessage();
        for (ProfileFunction function : profile.functions()) {
            w.beginMessage(DICTIONARY_FUNCTIONS)
                    .varint(1, string(function.name()))
                    .varint(2, string(function.systemName()))
                    .varint(3, string(function.file()))
                    .endMessage();
        }
        w.beginMessage(DICTIONARY_LINKS).endMessage();
        for (String string : strings) {
            w.repeatedString(DICTIONARY_STRINGS, string);
        }
        w.beginMessage(DICTIONARY_ATTRIBUTES).endMessage();
        for (String buildId : buildIds) {
            w.beginMessage(DICTIONARY_ATTRIBUTES).varint(1, buildIdKey)
                    .beginMessage(2).repeatedString(1, buildId).endMessage()
                    .endMessage();
        }
        for (long[] stack : stacks) {
            w.beginMessage(DICTIONARY_STACKS).packedVarints(1, stack).endMessage();
        }
        w.endMessage();
        return w.toByteArray();
    }

    private static void valueType(ProtobufWriter w, int field, int type, int unit) {
        w.beginMessage(field).varint(1, type).varint(2, unit).endMessage();
    }

    private int string(String value) {
        String key = value == null ? "" : value;
        Integer existing = stringIndex.get(key);
        if (existing != null) {
            return existing;
        }
        strings.add(key);
        stringIndex.put(key, strings.size() - 1);
        return strings.size() - 1;
    }

    private int stack(long[] locationIds) {
        return stackIndex.computeIfAbsent(new StackKey(locationIds), key -> {
            stacks.add(locationIds);
            return stacks.size() - 1;
        });
    }

    /**
     * 16 bytes, the same for the same exported profile and sample type, so a replay after a crash
     * carries the same profile_id (the field the spec offers for deduplication).
     */
    private static byte[] profileId(String exportedId, int sampleType) {
        UUID uuid = UUID.nameUUIDFromBytes((exportedId + "/" + sampleType).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    }

    private record StackKey(long[] locations) {
        @Override
        public boolean equals(Object other) {
            return other instanceof StackKey key && Arrays.equals(locations, key.locations);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(locations);
        }
    }
}
