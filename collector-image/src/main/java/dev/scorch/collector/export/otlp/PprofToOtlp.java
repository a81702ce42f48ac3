package dev.scorch.collector.export.otlp;

import com.google.protobuf.ByteString;
import dev.scorch.collector.export.ExportedProfile;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Function;
import io.opentelemetry.proto.profiles.v1development.KeyValueAndUnit;
import io.opentelemetry.proto.profiles.v1development.Line;
import io.opentelemetry.proto.profiles.v1development.Link;
import io.opentelemetry.proto.profiles.v1development.Location;
import io.opentelemetry.proto.profiles.v1development.Mapping;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ProfilesDictionary;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.profiles.v1development.Sample;
import io.opentelemetry.proto.profiles.v1development.ScopeProfiles;
import io.opentelemetry.proto.profiles.v1development.Stack;
import io.opentelemetry.proto.profiles.v1development.ValueType;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Converts one of our gzipped pprof profiles into an OTLP {@code ExportProfilesServiceRequest} of
 * the profiles signal as opentelemetry-proto 1.10.0-alpha defines it ({@code v1development}):
 * one shared {@code ProfilesDictionary} (strings, mappings, locations, functions, stacks,
 * attributes, each with its zero entry at index 0), and one {@code Profile} per pprof sample type,
 * because an OTLP profile has exactly one sample type.
 *
 * <p>The target's labels become resource attributes, the Kubernetes ones under their semantic
 * convention names ({@code service.name}, {@code k8s.namespace.name}, {@code k8s.pod.name},
 * {@code k8s.container.name}, {@code k8s.node.name}); others keep their own name. A mapping's
 * build id becomes the {@code process.executable.build_id.gnu} attribute.
 */
final class PprofToOtlp {

    private static final Map<String, String> SEMANTIC_NAMES = Map.of(
            "service_name", "service.name",
            "namespace", "k8s.namespace.name",
            "pod", "k8s.pod.name",
            "container", "k8s.container.name",
            "node", "k8s.node.name");

    private final Map<String, Integer> strings = new HashMap<>();
    private final Map<List<Integer>, Integer> stacks = new HashMap<>();
    private final Map<String, Integer> attributes = new HashMap<>();
    private final ProfilesDictionary.Builder dictionary = ProfilesDictionary.newBuilder();

    private PprofToOtlp() {
        string("");
        dictionary.addMappingTable(Mapping.getDefaultInstance())
                .addLocationTable(Location.getDefaultInstance())
                .addFunctionTable(Function.getDefaultInstance())
                .addLinkTable(Link.getDefaultInstance())
                .addStackTable(Stack.getDefaultInstance())
                .addAttributeTable(KeyValueAndUnit.getDefaultInstance());
    }

    static ExportProfilesServiceRequest convert(ExportedProfile exported) throws IOException {
        return new PprofToOtlp().request(exported, Pprof.parseGzipped(exported.pprofGzip()));
    }

    private ExportProfilesServiceRequest request(ExportedProfile exported, Pprof pprof) {
        Map<Long, Integer> mappingIndex = new HashMap<>();
        for (Pprof.Mapping m : pprof.mappings()) {
            Mapping.Builder mapping = Mapping.newBuilder()
                    .setMemoryStart(m.memoryStart())
                    .setMemoryLimit(m.memoryLimit())
                    .setFileOffset(m.fileOffset())
                    .setFilenameStrindex(string(pprof.string(m.filename())));
            String buildId = pprof.string(m.buildId());
            if (!buildId.isEmpty()) {
                mapping.addAttributeIndices(attribute("process.executable.build_id.gnu", buildId));
            }
            mappingIndex.put(m.id(), dictionary.getMappingTableCount());
            dictionary.addMappingTable(mapping);
        }
        Map<Long, Integer> functionIndex = new HashMap<>();
        for (Pprof.Function f : pprof.functions()) {
            functionIndex.put(f.id(), dictionary.getFunctionTableCount());
            dictionary.addFunctionTable(Function.newBuilder()
                    .setNameStrindex(string(pprof.string(f.name())))
                    .setSystemNameStrindex(string(pprof.string(f.systemName())))
                    .setFilenameStrindex(string(pprof.string(f.filename())))
                    .setStartLine(f.startLine()));
        }
        Map<Long, Integer> locationIndex = new HashMap<>();
        for (Pprof.Location l : pprof.locations()) {
            Location.Builder location = Location.newBuilder()
                    .setMappingIndex(mappingIndex.getOrDefault(l.mappingId(), 0))
                    .setAddress(l.address());
            for (Pprof.Line line : l.lines()) {
                location.addLines(Line.newBuilder()
                        .setFunctionIndex(functionIndex.getOrDefault(line.functionId(), 0))
                        .setLine(line.line()));
            }
            locationIndex.put(l.id(), dictionary.getLocationTableCount());
            dictionary.addLocationTable(location);
        }
        int[] sampleStacks = new int[pprof.samples().size()];
        for (int s = 0; s < sampleStacks.length; s++) {
            long[] ids = pprof.samples().get(s).locationIds();
            Integer[] stack = new Integer[ids.length];
            for (int i = 0; i < ids.length; i++) {
                stack[i] = locationIndex.getOrDefault(ids[i], 0);
            }
            sampleStacks[s] = stack(Arrays.asList(stack));
        }

        ScopeProfiles.Builder scope = ScopeProfiles.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("scorch-collector"));
        ValueType periodType = valueType(pprof, pprof.periodType());
        for (int type = 0; type < pprof.sampleTypes().size(); type++) {
            Profile.Builder profile = Profile.newBuilder()
                    .setSampleType(valueType(pprof, pprof.sampleTypes().get(type)))
                    .setTimeUnixNano(pprof.timeNanos() != 0 ? pprof.timeNanos() : epochNanos(exported))
                    .setDurationNano(pprof.durationNanos() != 0 ? pprof.durationNanos() : exported.duration().toNanos())
                    .setPeriodType(periodType)
                    .setPeriod(pprof.period())
                    .setProfileId(profileId(exported.id(), type));
            for (int s = 0; s < sampleStacks.length; s++) {
                long[] values = pprof.samples().get(s).values();
                if (type < values.length && values[type] != 0) {
                    profile.addSamples(Sample.newBuilder().setStackIndex(sampleStacks[s]).addValues(values[type]));
                }
            }
            scope.addProfiles(profile);
        }

        Resource.Builder resource = Resource.newBuilder();
        exported.labels().forEach((name, value) -> resource.addAttributes(KeyValue.newBuilder()
                .setKey(SEMANTIC_NAMES.getOrDefault(name, name))
                .setValue(AnyValue.newBuilder().setStringValue(value))));
        return ExportProfilesServiceRequest.newBuilder()
                .addResourceProfiles(ResourceProfiles.newBuilder().setResource(resource).addScopeProfiles(scope))
                .setDictionary(dictionary)
                .build();
    }

    private ValueType valueType(Pprof pprof, long[] typeAndUnit) {
        return ValueType.newBuilder()
                .setTypeStrindex(string(pprof.string(typeAndUnit[0])))
                .setUnitStrindex(string(pprof.string(typeAndUnit[1])))
                .build();
    }

    private int string(String value) {
        return strings.computeIfAbsent(value, v -> {
            dictionary.addStringTable(v);
            return dictionary.getStringTableCount() - 1;
        });
    }

    private int stack(List<Integer> locations) {
        return stacks.computeIfAbsent(locations, l -> {
            dictionary.addStackTable(Stack.newBuilder().addAllLocationIndices(l));
            return dictionary.getStackTableCount() - 1;
        });
    }

    private int attribute(String key, String value) {
        return attributes.computeIfAbsent(key + "\u0000" + value, k -> {
            dictionary.addAttributeTable(KeyValueAndUnit.newBuilder()
                    .setKeyStrindex(string(key))
                    .setValue(AnyValue.newBuilder().setStringValue(value)));
            return dictionary.getAttributeTableCount() - 1;
        });
    }

    private static long epochNanos(ExportedProfile exported) {
        return exported.start().getEpochSecond() * 1_000_000_000L + exported.start().getNano();
    }

    /**
     * 16 bytes, stable for the same exported profile and sample type, so a replay after a crash
     * carries the same profile_id (the field the spec offers for deduplication).
     */
    private static ByteString profileId(String exportedId, int sampleType) {
        UUID uuid = UUID.nameUUIDFromBytes((exportedId + "/" + sampleType).getBytes(StandardCharsets.UTF_8));
        return ByteString.copyFrom(ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array());
    }
}
