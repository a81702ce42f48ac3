package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.directory.DirectoryExporter;
import dev.scorch.collector.json.JsonTrees;
import dev.scorch.collector.json.JsonValue;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.Workload;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.attribution.Target;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileCycleTest {

    static final Instant START = Instant.parse("2026-11-21T22:00:00Z");
    static final String KNOWN = "a".repeat(64);
    static final String LATE = "b".repeat(64);
    static final String NEVER = "c".repeat(64);

    @TempDir
    Path profiles;

    final PodCache pods = new PodCache(pod -> new Workload("Deployment", pod.member("metadata").member("name").stringOr("").split("-")[0]));
    final NamespaceCache namespaces = new NamespaceCache();
    final Map<Integer, String> cgroups = new HashMap<>(Map.of(
            10, cgroupOf(KNOWN), 20, cgroupOf(LATE), 30, cgroupOf(NEVER)));
    final PodTargetResolver resolver = new PodTargetResolver(
            new ProcessContainers(pid -> Optional.ofNullable(cgroups.get(pid)), System::nanoTime), pods, namespaces,
            PolicyConfig.Targets.EVERY_POD, Map.of("cluster", "test"), "node-1", System::nanoTime);
    final Interval interval = new Interval();

    @Test
    void eachTargetGetsOneProfileAndPendingStacksJoinTheirPodOnceTheWatchKnowsIt() throws IOException {
        namespaces.replaceAll(List.of(JsonTrees.from(Map.of("metadata", Map.of("name", "shop")))));
        pods.replaceAll(List.of(pod("checkout-1", KNOWN)));
        interval.add(10, 5);
        interval.add(20, 3);
        pods.apply("ADDED", pod("payments-1", LATE));

        int offered = cycle().finish(START, START.plusSeconds(15));

        assertThat(offered).isEqualTo(2);
        assertThat(samplesIn("shop_checkout")).isEqualTo(5);
        assertThat(samplesIn("shop_payments")).isEqualTo(3);
    }

    @Test
    void eachBackendGetsTheProfileInItsWireFormatAndEachFormatIsEncodedOnce() throws IOException {
        namespaces.replaceAll(List.of(JsonTrees.from(Map.of("metadata", Map.of("name", "shop")))));
        pods.replaceAll(List.of(pod("checkout-1", KNOWN)));
        interval.add(10, 5);
        var otlpA = new RecordingExporter(WireFormat.OTLP_PROFILES);
        var otlpB = new RecordingExporter(WireFormat.OTLP_PROFILES);
        var pprof = new RecordingExporter(WireFormat.GZIPPED_PPROF);

        new ProfileCycle(interval, resolver, new CpuProfileBuilder(new Symbolizer(), pid -> Optional.empty()),
                List.of(otlpA, pprof, otlpB), () -> 99).finish(START, START.plusSeconds(15));

        assertThat(otlpB.offered.getFirst().payload()).isSameAs(otlpA.offered.getFirst().payload());
        var request = ExportProfilesServiceRequest.parseFrom(otlpA.offered.getFirst().payload());
        var profiles = request.getResourceProfiles(0).getScopeProfiles(0).getProfilesList();
        assertThat(profiles.getFirst().getSamplesList()).extracting(sample -> sample.getValues(0)).containsExactly(5L);
        try (var in = new GZIPInputStream(new java.io.ByteArrayInputStream(pprof.offered.getFirst().payload()))) {
            assertThat(sampleCount(ByteBuffer.wrap(in.readAllBytes()))).isEqualTo(5);
        }
        assertThat(otlpA.offered.getFirst().id()).isEqualTo(pprof.offered.getFirst().id());
    }

    /** Keeps what the cycle offers, as a backend's queue would receive it. */
    static final class RecordingExporter implements ProfileExporter {
        final WireFormat format;
        final List<ExportedProfile> offered = new ArrayList<>();

        RecordingExporter(WireFormat format) {
            this.format = format;
        }

        @Override
        public String backendName() {
            return format.name();
        }

        @Override
        public WireFormat wireFormat() {
            return format;
        }

        @Override
        public void offer(ExportedProfile profile) {
            offered.add(profile);
        }

        @Override
        public BackendHealth health() {
            throw new UnsupportedOperationException("not asked by the cycle");
        }

        @Override
        public void close() {}
    }

    @Test
    void stacksStillPendingAtTheIntervalEndAreCountedAsUnattributed() {
        namespaces.replaceAll(List.of(JsonTrees.from(Map.of("metadata", Map.of("name", "shop")))));
        interval.add(30, 7);
        ProfileCycle cycle = cycle();

        assertThat(cycle.finish(START, START.plusSeconds(15))).isZero();

        assertThat(cycle.unattributedSamples()).isEqualTo(7);
        assertThat(cycle.profiles()).isZero();
    }

    ProfileCycle cycle() {
        DirectoryExporter directory = new DirectoryExporter("local",
                new DirectoryExporter.Settings(profiles, Duration.ofHours(1), 1 << 20), Clock.systemUTC());
        return new ProfileCycle(interval, resolver, new CpuProfileBuilder(new Symbolizer(), pid -> Optional.empty()),
                List.of(directory), () -> 99);
    }

    /** Samples in the one profile written for a service: the sum of every Sample's first value. */
    long samplesIn(String serviceDirectory) throws IOException {
        try (Stream<Path> files = Files.list(profiles.resolve(serviceDirectory))) {
            List<Path> written = files.filter(f -> f.toString().endsWith(".pb.gz")).toList();
            assertThat(written).hasSize(1);
            try (var in = new GZIPInputStream(Files.newInputStream(written.getFirst()))) {
                return sampleCount(ByteBuffer.wrap(in.readAllBytes()));
            }
        }
    }

    /** Walks the pprof Profile message: field 2 is Sample, whose field 2 holds the values (packed). */
    static long sampleCount(ByteBuffer profile) {
        long total = 0;
        while (profile.hasRemaining()) {
            long key = varint(profile);
            int field = (int) (key >>> 3);
            int wireType = (int) (key & 7);
            if (wireType == 0) {
                varint(profile);
            } else if (wireType == 2) {
                int length = (int) varint(profile);
                ByteBuffer body = profile.slice(profile.position(), length);
                profile.position(profile.position() + length);
                if (field == 2) {
                    total += firstValue(body);
                }
            } else {
                throw new AssertionError("unexpected wire type " + wireType + " in a pprof Profile");
            }
        }
        return total;
    }

    static long firstValue(ByteBuffer sample) {
        while (sample.hasRemaining()) {
            long key = varint(sample);
            if ((key & 7) == 0) {
                long value = varint(sample);
                if (key >>> 3 == 2) {
                    return value;
                }
            } else {
                int length = (int) varint(sample);
                if (key >>> 3 == 2) {
                    return varint(sample.slice(sample.position(), length));
                }
                sample.position(sample.position() + length);
            }
        }
        throw new AssertionError("a pprof Sample without values");
    }

    static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
    }

    /** An interval's worth of aggregated stacks, resolved as the aggregator does. */
    final class Interval implements StackSource {
        final Map<Target, List<AggregatedStack>> stacks = new HashMap<>();

        void add(int pid, long count) {
            resolver.resolve(pid).ifPresent(target -> stacks.computeIfAbsent(target, t -> new ArrayList<>())
                    .add(new AggregatedStack(pid, new long[0], new long[] {0x401000L + pid}, count)));
        }

        @Override
        public Map<Target, List<AggregatedStack>> drainInterval() {
            return stacks;
        }
    }

    static String cgroupOf(String containerId) {
        return "0::/kubepods/besteffort/pod0f2a7c1e-5b3d-4e8f-9a6b-2c4d6e8f0a1b/" + containerId + "\n";
    }

    static JsonValue pod(String name, String containerId) {
        return JsonTrees.from(Map.of(
                "metadata", Map.of("uid", name + "-uid", "namespace", "shop", "name", name),
                "spec", Map.of("nodeName", "node-1"),
                "status", Map.of("containerStatuses", List.of(Map.of("name", "app", "containerID", "containerd://" + containerId)))));
    }
}
