package dev.scorch.collector.bench;

import dev.scorch.collector.perf.PerfRecords;
import dev.scorch.collector.perf.RecordDecoder;
import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.SampleRecord;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.unwind.StackUnwinder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * Time per sample of the unwinder, on real samples: a C program built without frame pointers
 * ({@code omitted_frames.c}, -O2: its leaf's callers are only reachable through CFI) is sampled at
 * 999 Hz with registers and the 8 KiB stack copy for a few seconds, its samples are replayed from a
 * ring buffer through the decoder and the unwinder, and the program keeps running so its
 * mappings and files stay reachable. {@code decode} is the same replay without unwinding: the
 * difference is the unwinder's cost per sample. {@code program=go} replays the stripped {@code goleaf}
 * Go workload, busy in a frameless leaf, instead, the path that reads Go's SP-delta table. A stable figure beside the end-to-end CPU of
 * {@code bench/layouts.sh}, which the other work on the machine makes noisy. Needs root (perf
 * events of all CPUs), gcc and go.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class UnwinderBenchmark {

    static final int SAMPLES = 1000;
    private static final long CAPTURE_MILLIS = 20_000;

    /** {@code c}: a C program's CFI path; {@code go}: a Go program's leaf SP-delta path. */
    @Param({"c", "go"})
    public String program;

    private final Arena arena = Arena.ofShared();
    private Process workload;
    private ReplayedRing ring;
    private final RecordDecoder decoder = new RecordDecoder(true);
    private StackUnwinder unwinder;

    @Setup(Level.Trial)
    public void prepare() throws Exception {
        workload = switch (program) {
            case "c" -> startC();
            case "go" -> startGo();
            default -> throw new IllegalArgumentException("program " + program + ": c or go");
        };
        int pid = (int) workload.pid();
        Thread.sleep(200);

        PerfRecords records = new PerfRecords();
        java.util.concurrent.atomic.AtomicInteger captured = new java.util.concurrent.atomic.AtomicInteger();
        try (Sampler sampler = Sampler.open(SamplerOptions.allCpus(999, false))) {
            sampler.start(new RecordHandler() {
                @Override
                public void sample(SampleRecord s) {
                    if (s.pid() != pid || !s.hasUserRegisters() || s.stackBytes() < 8 || captured.get() == SAMPLES) {
                        return;
                    }
                    long[] word = new long[1];
                    long[] stack = new long[(int) (s.stackBytes() / 8)];
                    for (int i = 0; i < stack.length; i++) {
                        s.readStack(s.sp() + 8L * i, word);
                        stack[i] = word[0];
                    }
                    records.sampleWithUserStack(pid, Arrays.copyOf(s.userIps(), s.userDepth()), s.bp(), s.sp(), s.ip(), stack,
                            SamplerOptions.DEFAULT_USER_STACK_BYTES);
                    captured.incrementAndGet();
                }
            });
            for (long waited = 0; waited < CAPTURE_MILLIS && captured.get() < SAMPLES; waited += 100) {
                Thread.sleep(100);
            }
        }
        byte[] batch = records.bytes();
        if (captured.get() < SAMPLES) {
            throw new IllegalStateException("captured " + captured.get() + " samples in " + batch.length + " bytes");
        }
        ring = new ReplayedRing(batch, 0, arena);

        ProcessTable processes = ProcessTable.ofThisHost();
        processes.learnRunningProcesses();
        unwinder = StackUnwinder.forSamples(SamplerOptions.DEFAULT_USER_STACK_BYTES, processes, MappedObjects.ofThisHost());
        // Objects with a large call-frame section compile on a background thread: replay until every sample unwinds.
        long before = 0;
        for (int round = 0; round < 100 && unwinder.unwound() - before < SAMPLES; round++) {
            before = unwinder.unwound();
            replay(true, null);
            Thread.sleep(50);
        }
        System.out.printf("%n%d samples of pid %d captured, %d of the last replay unwound%n", SAMPLES, pid, unwinder.unwound() - before);
    }

    /** {@code omitted_frames.c} at -O2 without frame pointers: every caller is found through CFI. */
    private static Process startC() throws Exception {
        Path binary = Files.createTempFile("scorch-unwind-bench", "");
        Path source = fromRepository("src/test/c/omitted_frames.c");
        build(new ProcessBuilder("gcc", "-O2", "-fomit-frame-pointer", "-o", binary.toString(), source.toString()), source);
        return new ProcessBuilder(binary.toString(), "3600").start();
    }

    /**
     * The stripped {@code goleaf} workload, busy in a frameless leaf and its caller: every sample
     * takes the Go leaf's SP delta from the pc/SP-delta table.
     */
    private static Process startGo() throws Exception {
        Path binary = Files.createTempFile("scorch-unwind-bench-go", "");
        Path source = fromRepository("src/test/resources/workloads/goleaf");
        build(new ProcessBuilder("go", "build", "-ldflags=-s -w", "-o", binary.toString(), ".").directory(source.toFile()), source);
        return new ProcessBuilder(binary.toString(), "3600").start();
    }

    private static Path fromRepository(String path) {
        return List.of(Path.of("collector-image").resolve(path), Path.of(path)).stream().filter(Files::exists).findFirst()
                .orElseThrow(() -> new IllegalStateException(path + " not found: run from the repository"));
    }

    private static void build(ProcessBuilder compiler, Path source) throws Exception {
        if (compiler.inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException(compiler.command().getFirst() + " failed on " + source);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        workload.destroy();
    }

    private void replay(boolean unwind, Blackhole sink) {
        ring.replay(decoder, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                if (unwind) {
                    unwinder.unwind(sample);
                }
                if (sink != null) {
                    sink.consume(sample.userDepth());
                }
            }
        });
    }

    /** Nanoseconds per sample: decode only (the frame-pointer path's share of this). */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public void decode(Blackhole sink) {
        replay(false, sink);
    }

    /** Nanoseconds per sample: decode and unwind from the registers and stack copy. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public void decodeAndUnwind(Blackhole sink) {
        replay(true, sink);
    }
}
