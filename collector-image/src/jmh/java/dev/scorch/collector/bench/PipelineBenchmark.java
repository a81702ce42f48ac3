package dev.scorch.collector.bench;

import dev.scorch.collector.perf.PerfRecords;
import dev.scorch.collector.perf.RecordDecoder;
import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * Throughput of the collector's per-sample path, in samples per second: ring buffer decode,
 * decode plus aggregation, and pprof building plus gzip encoding of an interval's stacks.
 * The batch looks like a node: 64 processes, 4,000 distinct stacks of 8 to 40 frames with
 * kernel frames, in a 16 MiB ring that the batch wraps around.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class PipelineBenchmark {

    static final int SAMPLES = 20_000;
    private static final Target NODE = Target.of(Map.of("service_name", "bench"));

    private final Arena arena = Arena.ofShared();
    private ReplayedRing ring;
    private final RecordDecoder decoder = new RecordDecoder();
    private List<AggregatedStack> interval;
    private CpuProfileBuilder builder;

    private static final TargetResolver ONE_TARGET = new TargetResolver() {
        private final Optional<Target> node = Optional.of(NODE);

        @Override
        public Optional<Target> resolve(int pid) {
            return node;
        }
    };

    @Setup(Level.Trial)
    public void prepare() {
        Random random = new Random(42);
        long[][] kernel = new long[4000][];
        long[][] user = new long[4000][];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = random.longs(random.nextInt(8), 0xffffffff81000000L, 0xffffffff82000000L).toArray();
            user[i] = random.longs(8 + random.nextInt(32), 0x400000, 0x7fffffff).toArray();
        }
        PerfRecords records = new PerfRecords();
        for (int i = 0; i < SAMPLES; i++) {
            int stack = (int) Math.abs(random.nextGaussian() * 800) % kernel.length;
            int pid = 1000 + stack % 64;
            records.sample(pid, pid, i & 1, i, 10_101_010, kernel[stack], user[stack]);
        }
        // Start near the end of the data area so every pass wraps around it once.
        ring = new ReplayedRing(records.bytes(), ReplayedRing.DATA - 4096, arena);
        StackAggregator aggregator = new StackAggregator(ONE_TARGET, 1_000_000);
        ring.replay(decoder, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                aggregator.add(sample);
            }
        });
        interval = aggregator.drain().get(NODE);
        if (ring.malformed() > 0 || interval.stream().mapToLong(AggregatedStack::count).sum() != SAMPLES) {
            throw new IllegalStateException("the batch did not decode into " + SAMPLES + " samples");
        }
        builder = new CpuProfileBuilder(new Symbolizer(), new ProcessTable(Path.of("/nonexistent")), false);
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public void decode(Blackhole sink) {
        ring.replay(decoder, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                sink.consume(sample.userDepth());
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public Object decodeAndAggregate() {
        StackAggregator aggregator = new StackAggregator(ONE_TARGET, 1_000_000);
        ring.replay(decoder, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                aggregator.add(sample);
            }
        });
        return aggregator.drain();
    }

    /** An interval's distinct stacks to gzipped pprof (addresses unsymbolized: no such processes). */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public byte[] buildAndEncodePprof() {
        return builder.build(new TreeMap<>(Map.of("service_name", "bench")), Instant.EPOCH, Duration.ofSeconds(15), 99, interval)
                .toGzippedPprof();
    }
}
