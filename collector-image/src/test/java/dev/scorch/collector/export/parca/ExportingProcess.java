package dev.scorch.collector.export.parca;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliveryQueue;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The exporting side of the outage test, run as its own JVM so the test can SIGKILL it and
 * measure its memory alone. It exports to Parca through the production factory and obeys
 * commands on stdin, one per line:
 *
 * <ul>
 *   <li>{@code offer <firstSeq> <count> <intervalMillis>}: offers profiles labelled
 *       {@code seq=<5 digits>} at that pace, then prints {@code OFFERED <lastSeq>}
 *   <li>{@code health}: prints {@code HEALTH sent=.. queued=.. retried=.. spoolFull=.. peakRssKiB=.. heapUsedKiB=..}
 * </ul>
 *
 * <p>Arguments: spool root, Parca address (or the OTLP receiver's URL), spool bound in records
 * (all records have one size), and optionally {@code directory} to write to
 * {@code <spool root>/profiles} instead of Parca, {@code otlp} to export to the OTLP receiver, or
 * {@code parca-grpcweb} to send to Parca as gRPC-web over {@code java.net.http} ({@link
 * GrpcWebProbeSender}); bench/export-memory.sh compares them to price each network stack.
 */
public final class ExportingProcess {

    static final String SERVICE = "outage-test";

    private static WireFormat format = WireFormat.GZIPPED_PPROF;

    public static void main(String[] args) throws IOException, InterruptedException {
        Path spoolRoot = Path.of(args[0]);
        String parcaAddress = args[1];
        int boundInRecords = Integer.parseInt(args[2]);
        long maxSpoolBytes = boundInRecords * recordBytes();
        var settings = new DeliverySettings(spoolRoot, maxSpoolBytes, 1 << 20,
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)), Duration.ofSeconds(5), Clock.systemUTC());
        BackendConfig backend = switch (args.length > 3 ? args[3] : "parca") {
            case "directory" -> new BackendConfig.Directory("local", spoolRoot.resolve("profiles"));
            case "otlp" -> new BackendConfig.Otlp("otlp", java.net.URI.create(parcaAddress), java.util.Map.of(), Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS);
            default -> new BackendConfig.Parca("parca", parcaAddress, true, Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS);
        };
        try (ProfileExporter exporter = args.length > 3 && args[3].equals("parca-grpcweb")
                ? new DeliveryQueue("parca-grpcweb", new GrpcWebProbeSender(parcaAddress), settings)
                : new ExporterFactory(settings).create(backend)) {
            format = exporter.wireFormat();
            var commands = new BufferedReader(new InputStreamReader(System.in));
            System.out.println("READY maxSpoolBytes=" + maxSpoolBytes);
            String line;
            while ((line = commands.readLine()) != null) {
                String[] words = line.strip().split("\\s+");
                switch (words[0]) {
                    case "offer" -> {
                        int first = Integer.parseInt(words[1]);
                        int count = Integer.parseInt(words[2]);
                        long interval = Long.parseLong(words[3]);
                        for (int seq = first; seq < first + count; seq++) {
                            exporter.offer(profile(seq));
                            if (interval > 0) {
                                Thread.sleep(interval);
                            }
                        }
                        System.out.println("OFFERED " + (first + count - 1));
                    }
                    case "health" -> System.out.println(health(exporter.health()));
                    default -> System.out.println("UNKNOWN " + line);
                }
            }
        }
    }

    static ExportedProfile profile(int seq) {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", SERVICE);
        labels.put("seq", "%05d".formatted(seq));
        return format == WireFormat.GZIPPED_PPROF
                ? TestProfiles.goHotLoop(labels)
                : TestProfiles.encoded(TestProfiles.hotLoop(labels), format);
    }

    /** The spool size of one profile of this process; every profile it offers has the same. */
    static long recordBytes() throws IOException {
        Path probe = Files.createTempDirectory("spool-probe");
        var spool = new ProfileSpool(probe, DeliverySettings.DEFAULT_MAX_SPOOL_BYTES);
        spool.recover();
        ProfileSpool.Entry entry = spool.begin(profile(0)).commit();
        spool.delete(entry);
        Files.delete(probe);
        return entry.bytes();
    }

    private static String health(BackendHealth health) throws IOException {
        long heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        return "HEALTH sent=" + health.sent()
                + " queued=" + health.queuedBytes()
                + " retried=" + health.retried()
                + " spoolFull=" + health.dropped().getOrDefault("spool-full", 0L)
                + " otherDrops=" + (health.dropped().values().stream().mapToLong(Long::longValue).sum()
                        - health.dropped().getOrDefault("spool-full", 0L))
                + " peakRssKiB=" + peakRssKiB()
                + " heapUsedKiB=" + heapUsed / 1024
                + " lastError=" + String.valueOf(health.lastError()).replace(' ', '_');
    }

    private static long peakRssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
