package dev.scorch.collector.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import dev.scorch.collector.config.CollectorConfigParser;
import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.collector.perf.PerfRecords;
import dev.scorch.collector.perf.RecordDecoder;
import dev.scorch.collector.perf.RingBuffer;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.run.ProfileCycle;
import dev.scorch.collector.run.RecordRouter;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.unwind.StackUnwinder;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The training run the image build dumps the collector's class-data archive from
 * ({@code collector-image/jlink-runtime.sh --app-archive}, with {@code -XX:DumpLoadedClassList}):
 * the classes a collector loads go into the archive, mapped read-only and shared instead of parsed
 * into metaspace at every start. An image build has no perf access and no API server, so the
 * training runs {@code run} as a node does (start-up, config, health, TLS, the watches, policy
 * placement, the pod and namespace caches, status patches) against a loopback API server over TLS
 * that serves a node, a pod and its owners ({@link TrainingApi}), and it drives the sampling path
 * on input it makes itself: it tries to open the perf events as a node does (the FFM binding;
 * refused in a build), decodes a perf ring it writes for its own process ({@link PerfRecords})
 * through the collector's record router, unwinder and process table, symbolizes the JVM's own
 * binaries, builds the profile and offers it in every wire format to a directory, an OTLP and a
 * Pyroscope backend, the network ones on a loopback listener that answers every request with 200.
 * The API server and that listener ({@link TrainingSink#main}) run in a JVM of their own, so that
 * their server-side classes (TLS's above all) stay out of the class list. Every component the
 * training drives is the collector's own, as a node runs it; nothing of the training is on
 * {@code run}'s path.
 *
 * <pre>java @jvm.options -XX:DumpLoadedClassList=classes.list -cp scorch-collector.jar dev.scorch.collector.cli.ClassDataTraining DIR</pre>
 *
 * {@code DIR} holds {@code ca.pem} (the API server's certificate), {@code token} and the file
 * {@value TrainingSink#PORTS} the peers write; the training writes its config, profiles and spool
 * there, and the file {@value #SAMPLING_PATH_DONE} once the sampling path has run (how long that
 * takes depends on the machine's load), and runs until SIGTERM. {@code SCORCH_NODE_NAME},
 * {@code SCORCH_POD_NAMESPACE} and {@code SCORCH_POD_NAME} are set as for {@code run}.
 */
public final class ClassDataTraining {

    private static final Target TRAINING = Target.of(Map.of("service_name", "scorch-training"));
    /** A kernel text address; on a host whose {@code /proc/kallsyms} is readable it is named. */
    private static final long KERNEL_IP = 0xffffffff81001000L;
    private static final long STACK_POINTER = 0x7ffc00000000L;
    private static final int STACK_BYTES = 1024;
    private static final int PROT_READ_EXEC = 5;
    private static final long PAGE_SIZE = 4096;
    /** Where the kernel keeps data_head in a ring's control page. */
    private static final long DATA_HEAD = 1024;
    /** Written in DIR once the sampling path has run to its end; jlink-runtime.sh waits for it. */
    static final String SAMPLING_PATH_DONE = "sampling-path.done";
    /** Between a ring's drain and its interval's end, and for the last sends. */
    private static final Duration PASS_PAUSE = Duration.ofSeconds(3);

    private ClassDataTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ClassDataTraining DIR   (DIR holds ca.pem, token and the peers file of TrainingSink)");
            System.exit(Main.USAGE);
        }
        Path dir = Path.of(args[0]);
        // The peers run in a JVM of their own (TrainingSink's main), so their server-side classes stay out of the class list.
        String[] ports = Files.readString(dir.resolve(TrainingSink.PORTS)).trim().split(" ");
        Path config = dir.resolve("collector.json");
        Files.writeString(config, config(dir, Integer.parseInt(ports[0])));
        Thread.ofPlatform().daemon().name("training-sampling-path").start(() -> {
            try {
                samplingPath(config, PASS_PAUSE);
                Files.writeString(dir.resolve(SAMPLING_PATH_DONE), "");
            } catch (Exception e) {
                // jlink-runtime.sh fails the build on this line: the archive would miss the classes of the sampling path.
                System.err.println("class-data training: the sampling path failed: " + e);
            }
        });
        Main.main(new String[] {"run", "--config", config.toString(), "--api-server", "https://127.0.0.1:" + ports[1],
            "--api-server-ca", dir.resolve("ca.pem").toString(), "--token-file", dir.resolve("token").toString()});
    }

    /**
     * One policy with a directory, an OTLP and a Pyroscope backend, the latter two on the loopback
     * sink; placed by the training node's label and taint, selecting its pod and host processes.
     */
    static String config(Path dir, int sinkPort) {
        return String.format(Locale.ROOT, """
                {"health": {"port": 0, "statusUpdateSeconds": 120}, "spool": {"directory": "%1$s/spool"},
                 "policies": [{"name": "training", "sampling": {"frequencyHz": 19},
                   "nodes": {"selector": {"matchLabels": {"%3$s": "true"}}, "tolerations": [{"key": "%4$s", "operator": "Exists"}]},
                   "targets": {"namespaceSelector": {"matchLabels": {"team": "checkout"}},
                     "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["checkout"]}]}, "hostProcesses": true},
                   "export": {"intervalSeconds": 5, "backends": [{"name": "files", "directory": {"path": "%1$s/profiles"}},
                     {"name": "otel", "otlp": {"endpoint": "http://127.0.0.1:%2$d"}},
                     {"name": "grafana", "pyroscope": {"url": "http://127.0.0.1:%2$d"}}]}}]}
                """, dir, sinkPort, TrainingApi.NODE_LABEL, TrainingApi.TAINT_KEY);
    }

    /**
     * Two intervals of the sampling path, so that what a second interval does differently loads
     * too; each interval's profile goes to the policy's backends. Returns once they are closed.
     */
    static void samplingPath(Path configFile, Duration pause) throws Exception {
        PolicyConfig policy = CollectorConfigParser.read(configFile).policies().getFirst();
        tryPerf();
        int self = (int) ProcessHandle.current().pid();
        ProcessTable processes = ProcessTable.ofThisHost();
        MappedObjects objectFiles = MappedObjects.ofThisHost();
        StackStore stacks = new StackStore(1024);
        TargetResolver resolver = pid -> pid == self ? Optional.of(TRAINING) : Optional.empty();
        StackAggregator aggregator = new StackAggregator(resolver, stacks);
        RecordRouter router = new RecordRouter(processes, stacks,
                StackUnwinder.forSamples(SamplerOptions.DEFAULT_USER_STACK_BYTES, processes, objectFiles));
        router.route(List.of(aggregator));
        Symbolizer symbolizer = new Symbolizer(Symbolizer.Settings.defaults(), PerfMapWriter.NONE, objectFiles);
        ExporterFactory exporters = new ExporterFactory(new PolicyConfig.Spool(configFile.resolveSibling("sampling-path-spool"),
                policy.export().spool().maxBytes()), DeliverySettings.memoryBudget(4 << 20));
        List<ProfileExporter> backends = policy.export().backends().stream().map(exporters::create).toList();
        ProfileCycle cycle = new ProfileCycle(aggregator::drain, resolver, new CpuProfileBuilder(symbolizer, processes), backends,
                () -> policy.sampling().frequencyHz());
        List<Mapping> mappings = executableMappings();
        try {
            for (int pass = 0; pass < 2; pass++) {
                Instant start = Instant.now();
                drainRing(self, mappings, pass == 0, router);
                Thread.sleep(pause);
                cycle.finish(start, Instant.now());
            }
            Thread.sleep(pause);
        } finally {
            backends.forEach(ProfileExporter::stopSending);
            backends.forEach(ProfileExporter::close);
        }
    }

    /** Opens the node's perf events as {@code run} does, and closes them; refused where there is no perf access. */
    private static void tryPerf() {
        SamplingPreflight.ofThisHost().check(true);
        try (Sampler _ = Sampler.open(SamplerOptions.allCpus(19, true))) {
            // Opened: this host allows perf; the training samples its own ring all the same.
        } catch (SamplingUnavailableException e) {
            // The build's case: no CAP_PERFMON, or a seccomp profile without perf_event_open.
        }
    }

    /**
     * Writes the records the kernel would for this process (its exec and executable mappings, user
     * samples in each mapping, a kernel sample) into a ring as the kernel lays it out, and drains it.
     */
    private static void drainRing(int self, List<Mapping> mappings, boolean exec, RecordRouter router) {
        PerfRecords records = new PerfRecords().at(System.nanoTime());
        if (exec) {
            records.comm(self, self, "java", true);
            for (Mapping m : mappings) {
                records.mmap2(self, m.start(), m.limit() - m.start(), m.offset(), m.inode(), PROT_READ_EXEC, m.path());
            }
        }
        for (Mapping m : mappings) {
            for (int i = 1; i < 4; i++) {
                long ip = m.start() + (m.limit() - m.start()) * i / 4 & ~0xFL;
                records.sampleWithUserStack(self, new long[] {ip}, STACK_POINTER, STACK_POINTER, ip, new long[STACK_BYTES / 8], STACK_BYTES);
            }
        }
        records.kernelThreadSampleWithUserStack(self, KERNEL_IP);
        byte[] bytes = records.bytes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(PAGE_SIZE + Long.highestOneBit(bytes.length) * 2, PAGE_SIZE);
            MemorySegment.copy(bytes, 0, ring, JAVA_BYTE, PAGE_SIZE, bytes.length);
            ring.set(JAVA_LONG, DATA_HEAD, bytes.length);
            RingBuffer.over(ring, PAGE_SIZE, arena).drain(new RecordDecoder(true), router);
        }
    }

    private record Mapping(long start, long limit, long offset, long inode, String path) {}

    /** This process's executable file mappings, from {@code /proc/self/maps}. */
    private static List<Mapping> executableMappings() throws IOException {
        List<Mapping> mappings = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[1].contains("x") && f[5].startsWith("/") && mappings.size() < 24) {
                String[] range = f[0].split("-");
                mappings.add(new Mapping(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16),
                        Long.parseUnsignedLong(f[2], 16), Long.parseLong(f[4]), f[5]));
            }
        }
        return mappings;
    }
}
