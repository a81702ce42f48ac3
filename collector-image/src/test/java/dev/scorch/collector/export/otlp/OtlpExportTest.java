package dev.scorch.collector.export.otlp;

import static dev.scorch.collector.export.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.RecordingHttpServer.Answer;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesPartialSuccess;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ProfilesDictionary;
import io.opentelemetry.proto.profiles.v1development.Sample;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OTLP exporter against an HTTP server that parses what arrives with the published generated
 * classes of opentelemetry-proto 1.10.0-alpha, so our hand-written encoding is checked by another
 * implementation.
 */
class OtlpExportTest {

    @TempDir
    Path dir;

    private final RecordingHttpServer receiver = new RecordingHttpServer(
            new Answer(200, "application/x-protobuf", ExportProfilesServiceResponse.getDefaultInstance().toByteArray(), Map.of()));

    @AfterEach
    void stop() {
        receiver.close();
    }

    private ProfileExporter exporter() {
        var factory = new ExporterFactory(new DeliverySettings(dir, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC()));
        return factory.create(new BackendConfig.Otlp("otel", receiver.baseUrl(), Map.of("X-Team", "checkout"),
                Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS));
    }

    private static ExportedProfile profile() {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", "shop/api");
        labels.put("namespace", "shop");
        labels.put("pod", "api-7f9c-x2");
        labels.put("cluster", "prod-eu-1");
        return TestProfiles.encoded(TestProfiles.hotLoop(labels), WireFormat.OTLP_PROFILES);
    }

    @Test
    void postsTheProfileAsOtlpWithTheTargetAsResourceAndTheHotFunctionOnTop() throws Exception {
        ExportedProfile profile = profile();
        try (ProfileExporter exporter = exporter()) {
            exporter.offer(profile);
            await(() -> exporter.health().sent() == 1);
        }
        RecordingHttpServer.Request request = receiver.requests.getFirst();
        assertThat(request.path()).isEqualTo("/v1development/profiles");
        assertThat(request.header("Content-Type")).isEqualTo("application/x-protobuf");
        assertThat(request.header("X-Team")).isEqualTo("checkout");

        var export = ExportProfilesServiceRequest.parseFrom(request.body());
        var resource = export.getResourceProfiles(0).getResource().getAttributesList().stream()
                .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
        assertThat(resource).containsEntry("service.name", "shop/api")
                .containsEntry("k8s.namespace.name", "shop")
                .containsEntry("k8s.pod.name", "api-7f9c-x2")
                .containsEntry("cluster", "prod-eu-1");

        ProfilesDictionary dictionary = export.getDictionary();
        assertThat(dictionary.getStringTable(0)).isEmpty();
        assertThat(dictionary.getMappingTable(0)).isEqualTo(dictionary.getMappingTable(0).getDefaultInstanceForType());
        assertThat(dictionary.getStackTable(0).getLocationIndicesCount()).isZero();

        var profiles = export.getResourceProfiles(0).getScopeProfiles(0).getProfilesList();
        assertThat(profiles).extracting(p -> dictionary.getStringTable(p.getSampleType().getTypeStrindex()) + "/"
                + dictionary.getStringTable(p.getSampleType().getUnitStrindex()))
                .containsExactly("samples/count", "cpu/nanoseconds");
        assertThat(profiles).allSatisfy(p -> assertThat(p.getProfileId().size()).isEqualTo(16));
        assertThat(topLeafFunction(profiles.getFirst(), dictionary)).isEqualTo(TestProfiles.HOT_FUNCTION);
        assertThat(profiles).allSatisfy(p -> {
            assertThat(p.getTimeUnixNano()).isEqualTo(profile.start().toEpochMilli() * 1_000_000L);
            assertThat(p.getDurationNano()).isEqualTo(15_000_000_000L);
            assertThat(p.getPeriod()).isEqualTo(10_000_000L);
        });
        assertThat(profiles.get(0).getSamplesList()).extracting(s -> s.getValues(0)).containsExactlyInAnyOrder(90L, 10L);
        assertThat(profiles.get(1).getSamplesList()).extracting(s -> s.getValues(0)).containsExactlyInAnyOrder(900_000_000L, 100_000_000L);
    }

    @Test
    void aMappingsBuildIdTravelsAsTheGnuBuildIdAttribute() throws Exception {
        try (ProfileExporter exporter = exporter()) {
            exporter.offer(profile());
            await(() -> exporter.health().sent() == 1);
        }
        ProfilesDictionary dictionary = ExportProfilesServiceRequest.parseFrom(receiver.requests.getFirst().body()).getDictionary();
        var mapping = dictionary.getMappingTable(1);
        assertThat(dictionary.getStringTable(mapping.getFilenameStrindex())).isEqualTo("/app/shop");
        var attribute = dictionary.getAttributeTable(mapping.getAttributeIndices(0));
        assertThat(dictionary.getStringTable(attribute.getKeyStrindex())).isEqualTo("process.executable.build_id.gnu");
        assertThat(attribute.getValue().getStringValue()).isEqualTo(TestProfiles.BUILD_ID);
    }

    @Test
    void aReplayedProfileCarriesTheSameProfileIds() throws Exception {
        var built = TestProfiles.hotLoop(new TreeMap<>(java.util.Map.of("service_name", "shop/api")));
        String id = "7d0a7c55-3f0e-4a47-9a61-5d1f1f0e2b11";
        try (ProfileExporter exporter = exporter()) {
            for (int attempt = 0; attempt < 2; attempt++) {
                exporter.offer(new ExportedProfile(id, built.labels(), built.start(), built.duration(),
                        WireFormat.OTLP_PROFILES.encode(built, id)));
            }
            await(() -> exporter.health().sent() == 2);
        }
        var first = ExportProfilesServiceRequest.parseFrom(receiver.requests.get(0).body());
        var second = ExportProfilesServiceRequest.parseFrom(receiver.requests.get(1).body());
        assertThat(second.getResourceProfiles(0).getScopeProfiles(0).getProfilesList()).extracting(Profile::getProfileId)
                .isEqualTo(first.getResourceProfiles(0).getScopeProfiles(0).getProfilesList().stream().map(Profile::getProfileId).toList());
    }

    @Test
    void countsProfilesTheReceiverRejectsInAPartialSuccess() {
        var rejecting = ExportProfilesServiceResponse.newBuilder().setPartialSuccess(
                ExportProfilesPartialSuccess.newBuilder().setRejectedProfiles(2).setErrorMessage("unsupported revision")).build();
        receiver.answer.set(new Answer(200, "application/x-protobuf", rejecting.toByteArray(), Map.of()));
        try (ProfileExporter exporter = exporter()) {
            exporter.offer(profile());
            await(() -> exporter.health().dropped().getOrDefault("rejected-otlp-partial", 0L) == 1);
            assertThat(exporter.health().lastError()).contains("unsupported revision");
        }
    }

    private static String topLeafFunction(Profile profile, ProfilesDictionary dictionary) {
        Map<String, Long> flat = new HashMap<>();
        for (Sample sample : profile.getSamplesList()) {
            var stack = dictionary.getStackTable(sample.getStackIndex());
            var leaf = dictionary.getLocationTable(stack.getLocationIndices(0));
            var function = dictionary.getFunctionTable(leaf.getLines(0).getFunctionIndex());
            flat.merge(dictionary.getStringTable(function.getNameStrindex()), sample.getValues(0), Long::sum);
        }
        return flat.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }
}
