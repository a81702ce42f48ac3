package dev.scorch.collector.export.parca;

import static dev.scorch.collector.export.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.RecordingHttpServer;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.testenv.ParcaServer;
import dev.scorch.testenv.Tier;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Parca exporter against a real Parca server (v0.28.0, built by hack/test-binaries.sh). */
class ParcaExportTest {

    private static ParcaServer parca;

    @TempDir
    static Path parcaDir;

    @TempDir
    Path spoolRoot;

    @BeforeAll
    static void startParca() {
        parca = ParcaServer.start(Tier.END_TO_END, parcaDir);
    }

    @AfterAll
    static void stopParca() {
        if (parca != null) {
            parca.close();
        }
    }

    private ExporterFactory factory() {
        return new ExporterFactory(new DeliverySettings(spoolRoot, 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)), Duration.ofSeconds(5), Clock.systemUTC()));
    }

    private static BackendConfig.Parca backend(String name, String address) {
        return new BackendConfig.Parca(name, address, true, Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS);
    }

    @Test
    void profilesAreQueryableWithTheirLabelsAndTheWorkloadsHotFunctionOnTop() {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", "shop/api");
        labels.put("namespace", "shop");
        labels.put("pod", "api-7f9c-x2");
        labels.put("container", "api");
        labels.put("node", "node-a");
        labels.put("cluster", "prod-eu-1");
        try (ProfileExporter exporter = factory().create(backend("parca", parca.grpcAddress()))) {
            exporter.offer(TestProfiles.goHotLoop(labels));
            await(Duration.ofSeconds(60), () -> exporter.health().sent() == 1, () -> exporter.health().toString());
        }

        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "service_name")).contains("shop/api");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "pod")).contains("api-7f9c-x2");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "node")).contains("node-a");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "cluster")).contains("prod-eu-1");
        ParcaServer.TopFunction top = parca.topFunction(ParcaServer.CPU_SAMPLES + "{service_name=\"shop/api\",pod=\"api-7f9c-x2\"}");
        assertThat(top).isNotNull();
        assertThat(top.name()).isEqualTo(TestProfiles.HOT_FUNCTION);
    }

    @Test
    void aProfileParcaRejectsIsCountedAndTheNextOneStillArrives() {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", "rejected-then-fine");
        byte[] notAPprof = TestProfiles.gzip("this is not a protocol buffer".getBytes());
        try (ProfileExporter exporter = factory().create(backend("parca", parca.grpcAddress()))) {
            exporter.offer(new ExportedProfile(UUID.randomUUID().toString(), labels, Instant.now(), Duration.ofSeconds(15), notAPprof));
            exporter.offer(TestProfiles.goHotLoop(labels));
            await(Duration.ofSeconds(60), () -> exporter.health().sent() == 1, () -> exporter.health().toString());
            assertThat(exporter.health().dropped()).containsEntry("rejected-grpc-INVALID_ARGUMENT", 1L);
            assertThat(exporter.health().lastError()).isNull();
        }
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "service_name")).contains("rejected-then-fine");
    }

    @Test
    void aBackendAnsweringGarbageOrUnreachableNeverDelaysTheRealOne() {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", "independent-queues");
        var garbage = new RecordingHttpServer(new RecordingHttpServer.Answer(200, "text/html", "<html>hi</html>".getBytes(), java.util.Map.of()));
        var factory = factory();
        try (garbage;
                ProfileExporter notGrpc = factory.create(backend("garbage", "127.0.0.1:" + garbage.baseUrl().getPort()));
                ProfileExporter malformed = factory.create(backend("malformed", "http://parca:7070"));
                ProfileExporter real = factory.create(backend("parca", parca.grpcAddress()))) {
            for (int i = 0; i < 3; i++) {
                for (ProfileExporter exporter : List.of(notGrpc, malformed, real)) {
                    exporter.offer(TestProfiles.goHotLoop(labels));
                }
            }
            await(Duration.ofSeconds(60), () -> real.health().sent() == 3, () -> real.health().toString());
            await(() -> notGrpc.health().lastError() != null && malformed.health().lastError() != null);
            assertThat(notGrpc.health().sent()).isZero();
            assertThat(notGrpc.health().lastError()).startsWith("Parca WriteRaw to 127.0.0.1:");
            assertThat(malformed.health().lastError()).contains("backend malformed").contains("not host:port");
            assertThat(malformed.health().queuedBytes()).isPositive();
        }
    }

    @Test
    void anOutageAndASigkillLoseOnlyWhatTheSpoolBoundForcesAndCountEveryDrop(@TempDir Path work) throws Exception {
        int bound = 20;
        Set<String> delivered = new HashSet<>();
        long peakRssKiB;
        long droppedBeforeKill;
        long droppedAfterRestart;
        try (var first = new ExportingProcessHandle(work.resolve("spool"), parca.grpcAddress(), bound, work.resolve("first.log"))) {
            first.offer(0, 5, Duration.ZERO);
            await(Duration.ofSeconds(60), () -> first.healthValue("sent") == 5, first::toString);
            delivered.addAll(seqsInParca());

            parca.stop();
            // 40 export intervals of 100 ms while the backend is down; the spool holds 20.
            first.offer(5, 40, Duration.ofMillis(100));
            var duringOutage = first.health();
            droppedBeforeKill = Long.parseLong(duringOutage.get("spoolFull"));
            peakRssKiB = Long.parseLong(duringOutage.get("peakRssKiB"));
            assertThat(droppedBeforeKill).isEqualTo(40 - bound);
            assertThat(Long.parseLong(duringOutage.get("queued"))).isLessThanOrEqualTo(bound * ExportingProcess.recordBytes());
            assertThat(Long.parseLong(duringOutage.get("retried"))).isGreaterThanOrEqualTo(3);
            first.kill();
        }

        try (var second = new ExportingProcessHandle(work.resolve("spool"), parca.grpcAddress(), bound, work.resolve("second.log"))) {
            assertThat(second.healthValue("queued")).isEqualTo(bound * ExportingProcess.recordBytes());
            second.offer(45, 5, Duration.ofMillis(100));
            droppedAfterRestart = second.healthValue("spoolFull");
            assertThat(droppedAfterRestart).isEqualTo(5);
            assertThat(second.healthValue("otherDrops")).isZero();

            parca.restart();
            await(Duration.ofSeconds(120), () -> second.healthValue("sent") == bound, () -> second.health().toString());
            peakRssKiB = Math.max(peakRssKiB, second.healthValue("peakRssKiB"));
            await(Duration.ofSeconds(60), () -> {
                delivered.addAll(seqsInParca());
                return delivered.size() == 5 + bound;
            }, delivered::toString);
        }

        int produced = 50;
        long dropped = droppedBeforeKill + droppedAfterRestart;
        // In flight when the outage began, seq 5 was never forced out; the bound then kept the newest.
        Set<String> expected = new HashSet<>();
        IntStream.concat(IntStream.rangeClosed(0, 5), IntStream.rangeClosed(31, 49)).forEach(i -> expected.add("%05d".formatted(i)));
        assertThat(delivered).isEqualTo(expected);
        assertThat(delivered.size() + dropped).isEqualTo(produced);
        System.out.printf("OUTAGE FIGURES: produced=%d delivered=%d dropped=%d (spool-full: %d before SIGKILL, %d after restart)"
                        + " spoolBound=%d profiles (%d bytes) peakRssOfExportingJvm=%d KiB%n",
                produced, delivered.size(), dropped, droppedBeforeKill, droppedAfterRestart, bound,
                bound * ExportingProcess.recordBytes(), peakRssKiB);
    }

    private static List<String> seqsInParca() {
        return parca.labelValues(ParcaServer.CPU_SAMPLES, "seq");
    }
}
