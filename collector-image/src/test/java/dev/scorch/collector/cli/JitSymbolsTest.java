package dev.scorch.collector.cli;

import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.workload.TestJvms;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tier 2: a HotSpot JVM run without any profiling flag gets its Java methods named: the collector
 * has it write its perf map through the attach mechanism (JVMs that refuse or answer late:
 * {@code jvm.UnansweredJvmsTest}). "The workload's samples" are the JVM's samples minus those of HotSpot's
 * own threads (JIT compilers, GC, VM thread), told by their thread loop in the stack; what is
 * left unnamed is code the interpreter runs (labelled {@code Interpreter}, HotSpot's name for its
 * code blob, not the method it interprets).
 */
class JitSymbolsTest {

    private static final int FREQUENCY = 299;
    private static final Path PROC = Path.of("/proc");
    /** The JVM's CPU time to record: about 900 samples at {@link #FREQUENCY}, most of them its workload thread's. */
    private static final Duration WORKLOAD_CPU = Duration.ofSeconds(3);
    /** The shortest recording, as long as the test recorded before it followed the workload's CPU time. */
    private static final Duration MINIMUM_RECORDING = Duration.ofSeconds(10);
    /**
     * Parts of the (mangled) names of functions only HotSpot's own threads run (JIT compilers, GC,
     * VM thread, attach listener, signal dispatcher, service threads): a sample with one of them
     * is not the workload's.
     */
    static final List<String> HOTSPOT_THREAD_LOOPS = List.of("compiler_thread_loop", "8VMThread3run", "VMThread::run",
            "12WorkerThread3run", "WorkerThread::run", "ConcurrentGCThread3run", "ConcurrentGCThread::run", "13WatcherThread3run",
            "WatcherThread::run", "AttachListenerThread", "signal_thread_entry", "service_thread_entry", "monitor_deflation_thread_entry",
            "ConcurrentRefineThread");

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @BeforeEach
    void requireRealKernel() {
        CpuWideSampling.require();
    }

    @Test
    void javaMethodsOfAJvmWithoutFlagsAreNamedInNearlyEverySample() throws Exception {
        Process jvm = startWarmWorkload();
        Recording recording = new Recording(SamplerOptions.allCpus(FREQUENCY, false).withDataPages(1024),
                new PidSelection(Set.of((int) jvm.pid()), PROC));
        CompletableFuture<Recording.Result> result = BackgroundRecording.start(recording, Duration.ofMinutes(3));
        assertThat(recording.awaitStarted(Duration.ofSeconds(60))).as("recording started").isTrue();
        // Samples follow the CPU time the workload gets, not the clock: on a busy host 10 s of
        // recording gave its thread 81 samples. Record 10 s, and longer until the JVM has run for WORKLOAD_CPU.
        long cpuAtStart = cpuTicks(jvm.pid());
        long minimumEnd = System.nanoTime() + MINIMUM_RECORDING.toNanos();
        while (!result.isDone() && (System.nanoTime() - minimumEnd < 0 || cpuTicks(jvm.pid()) - cpuAtStart < WORKLOAD_CPU.toMillis() / 10)) {
            Thread.sleep(200);
        }
        recording.stop();
        Recording.Result recorded = result.get(120, TimeUnit.SECONDS);
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ofSeconds(30), Duration.ofSeconds(10));
        CpuProfile profile = ProfileSamples.build(recorded, FREQUENCY, new Symbolizer(Symbolizer.Settings.defaults(), requests, recorded.objectFiles()));

        long total = ProfileSamples.total(profile);
        long jvmThreads = ProfileSamples.withFunctionContainingAny(profile, HOTSPOT_THREAD_LOOPS);
        long workload = total - jvmThreads;
        long named = ProfileSamples.withFunctionContaining(profile, "JitWorkload.scorch");
        System.out.printf("JVM samples %d: %d of the JVM's own threads, %d of the workload's, %d of those name JitWorkload (%.1f%%)%n",
                total, jvmThreads, workload, named, 100.0 * named / workload);
        List<String> unnamed = new ArrayList<>();
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            List<String> frames = new ArrayList<>();
            for (long id : sample.locationIds()) {
                frames.add(ProfileSamples.frameName(profile, id));
            }
            if (frames.stream().noneMatch(f -> f.contains("JitWorkload.scorch")) && unnamed.size() < 10) {
                unnamed.add(sample.count() + " x " + String.join(" <- ", frames.subList(0, Math.min(8, frames.size()))));
            }
        }
        assertThat(requests.refusedJvms()).isEmpty();
        assertThat(requests.written()).as("perf maps the JVM wrote").isEqualTo(1);
        assertThat(workload).as("samples of the workload's thread").isGreaterThan(150);
        // The JVM's own threads (JIT compilers, GC, VM thread) run no method of the workload; a sample whose stack cannot be
        // told apart stays in the denominator.
        assertThat(100.0 * named / workload).as("percent of the workload thread's samples naming JitWorkload.scorchHot or scorchCaller; "
                + "samples without: %s", unnamed)
                .isGreaterThanOrEqualTo(99.0);
        assertThat(ProfileSamples.withFunction(profile, "Interpreter"))
                .as("JitWorkload.main (called once, never compiled) is labelled as an interpreted frame").isPositive();
    }

    /** User and system CPU time of {@code pid} in clock ticks (USER_HZ, 100 a second on Linux). */
    private static long cpuTicks(long pid) throws java.io.IOException {
        String stat = Files.readString(PROC.resolve(pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of proc_pid_stat(5), counted from the state (field 3) here.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Starts the workload with the test's own JDK (source launch, no profiling flag) and waits until it is compiled. */
    private Process startWarmWorkload(String... jvmOptions) throws Exception {
        Path dir = jvms.directory("scorch-jit");
        try (InputStream in = JitSymbolsTest.class.getResourceAsStream("/workloads/jit/JitWorkload.java")) {
            Files.copy(in, dir.resolve("JitWorkload.java"));
        }
        return jvms.start(dir.resolve("JitWorkload.java"), List.of(jvmOptions), "warm", "120");
    }
}
