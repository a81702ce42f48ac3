package dev.scorch.collector.run;

import static dev.scorch.collector.export.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.testenv.Tier;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ProfilesDictionary;
import io.opentelemetry.proto.profiles.v1development.Sample;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pulled Go profile reaches an OTLP backend through the one OTLP encoder, one OTLP profile per
 * Go sample type: a real Go program's allocation delta, posted by the real OTLP exporter to an HTTP
 * receiver that parses it with the published opentelemetry-proto classes.
 */
class PulledProfilesToOtlpTest {

    private static final int ALLOCATIONS = 3000;
    private static final int ALLOCATION_BYTES = 4096;

    @TempDir
    Path dir;

    @Test
    void anAllocationDeltaArrivesAsOneOtlpProfilePerSampleTypeWithThePodsAttributes() throws Exception {
        var labels = new TreeMap<String, String>(Map.of("service_name", "shop/ledger", "namespace", "shop", "pod", "ledger-0",
                "container", "api", "node", "node-a"));
        try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL);
                ProfileFetcher fetcher = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofSeconds(2), Duration.ofSeconds(10), 16 << 20, 2),
                        new PprofDecoder(PprofDecoder.defaultLimits()));
                RecordingHttpServer receiver = new RecordingHttpServer(new Answer(200, "application/x-protobuf",
                        ExportProfilesServiceResponse.getDefaultInstance().toByteArray(), Map.of()))) {
            IntervalPuller puller = new IntervalPuller(fetcher, PullEndpoints.at(program.base()));
            puller.pull(GoProfileType.ALLOCS);
            program.allocate(ALLOCATIONS, ALLOCATION_BYTES);
            IntervalPuller.Outcome delta = puller.pull(GoProfileType.ALLOCS);
            assertThat(delta.failure()).isNull();

            try (ProfileExporter otlp = new ExporterFactory(new DeliverySettings(dir, 1 << 20, 1 << 20,
                    new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC()))
                    .create(new BackendConfig.Otlp("otel", receiver.baseUrl(), Map.of(), Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS))) {
                GoProfileExport.export(List.of(otlp), fetcher, labels, GoProfileType.ALLOCS, Instant.ofEpochSecond(1_800_000_000), Duration.ofSeconds(15),
                        delta.gzippedPprof());
                await(() -> otlp.health().sent() == 1);
            }

            var request = ExportProfilesServiceRequest.parseFrom(receiver.requests.getFirst().body());
            var resource = request.getResourceProfiles(0).getResource().getAttributesList().stream()
                    .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
            assertThat(resource).containsEntry("service.name", "shop/ledger").containsEntry("k8s.pod.name", "ledger-0")
                    .containsEntry("k8s.container.name", "api").containsEntry("k8s.node.name", "node-a").containsEntry("__name__", "allocs");
            ProfilesDictionary dictionary = request.getDictionary();
            List<Profile> profiles = request.getResourceProfiles(0).getScopeProfiles(0).getProfilesList();
            Map<String, Profile> byType = profiles.stream().collect(Collectors.toMap(p -> dictionary.getStringTable(p.getSampleType().getTypeStrindex())
                    + "/" + dictionary.getStringTable(p.getSampleType().getUnitStrindex()), p -> p));
            assertThat(byType).containsOnlyKeys("alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes");
            Profile allocSpace = byType.get("alloc_space/bytes");
            assertThat(allocSpace.getTimeUnixNano()).isEqualTo(1_800_000_000L * 1_000_000_000L);
            assertThat(allocSpace.getDurationNano()).isEqualTo(15_000_000_000L);
            assertThat(dictionary.getStringTable(allocSpace.getPeriodType().getTypeStrindex())).isEqualTo("space");
            assertThat((double) sumThrough(allocSpace, dictionary, "main.scorchAllocate"))
                    .as("main.scorchAllocate's alloc_space in the OTLP profile").isCloseTo(ALLOCATIONS * (double) ALLOCATION_BYTES,
                            Percentage.withPercentage(10));
        }
    }

    /** The sum of the profile's values over the samples whose stack passes through {@code function}. */
    private static long sumThrough(Profile profile, ProfilesDictionary dictionary, String function) {
        long sum = 0;
        for (Sample sample : profile.getSamplesList()) {
            var stack = dictionary.getStackTable(sample.getStackIndex());
            boolean through = false;
            for (int location : stack.getLocationIndicesList()) {
                for (var line : dictionary.getLocationTable(location).getLinesList()) {
                    through |= dictionary.getStringTable(dictionary.getFunctionTable(line.getFunctionIndex()).getNameStrindex()).equals(function);
                }
            }
            if (through) {
                sum += sample.getValues(0);
            }
        }
        return sum;
    }
}
