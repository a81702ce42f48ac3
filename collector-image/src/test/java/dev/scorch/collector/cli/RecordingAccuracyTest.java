package dev.scorch.collector.cli;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.attribution.CgroupParser;
import dev.scorch.collector.attribution.ContainerCgroup;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.collector.workload.KubeletCgroups;
import dev.scorch.testenv.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tier 2: recordings of ground-truth workloads on the real kernel match what the workloads
 * measured about themselves, within 3 percentage points.
 */
class RecordingAccuracyTest {

    /**
     * High, so a few CPU-seconds of workload give thousands of samples: the sampling error of a
     * share is then well under a point, and the 3-point bound tests the sampler, not chance.
     */
    private static final int FREQUENCY = 4999;
    private static final long WORKLOAD_CPU_NANOS = 2_000_000_000L;
    /**
     * 2 MiB per CPU: a few seconds of 5 kHz samples, so a loaded test machine loses none. These
     * tests measure shares of samples, not stacks: without the stack copy (8.5 KiB a sample) the
     * buffer holds 25 times more.
     */
    private static final int DATA_PAGES = 512;
    private static final Path PROC = Path.of("/proc");

    @BeforeEach
    void requireRealKernel() {
        CpuWideSampling.require();
    }

    @Test
    void twoFunctionsShareOfSamplesMatchesTheirMeasuredCpuTime() throws Exception {
        Path split = CWorkloads.compile("split");
        Process workload = new ProcessBuilder(split.toString(), "2").start();
        Recording recording = new Recording(SamplerOptions.allCpus(FREQUENCY, false).withDataPages(DATA_PAGES).withUserStackBytes(0), new PidSelection(Set.of((int) workload.pid()), PROC));
        CompletableFuture<Recording.Result> result = startRecording(recording);

        assertThat(workload.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Map<String, Long> truth = CWorkloads.figures(new String(workload.getInputStream().readAllBytes()));
        recording.stop();
        Recording.Result recorded = result.get(60, TimeUnit.SECONDS);

        Map<String, Long> byLeaf = ProfileSamples.byLeafFunction(ProfileSamples.build(recorded, FREQUENCY));
        long hot = byLeaf.getOrDefault("scorch_hot", 0L);
        long cold = byLeaf.getOrDefault("scorch_cold", 0L);
        double trueHotShare = (double) truth.get("hot_ns") / (truth.get("hot_ns") + truth.get("cold_ns"));
        assertThat(hot + cold).as("samples in the two functions").isGreaterThan(1000);
        assertThat(100.0 * hot / (hot + cold)).as("scorch_hot's share of samples, percent")
                .isCloseTo(100 * trueHotShare, within(3.0));
        assertThat(recorded.lost()).isZero();
    }

    @Test
    void cgroupModeSamplesOnlyTheChosenContainersInProportionToTheirCpuTime() throws Exception {
        Path duty = CWorkloads.compile("duty");
        Path mount = CgroupDirectories.ofThisHost().unifiedMount().orElse(null);
        Tier.REAL_KERNEL.require(mount != null, "no cgroup v2 mount on this host; perf cgroup mode needs one");
        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container busy = cgroups.newContainer();
            KubeletCgroups.Container light = cgroups.newContainer();
            Process busyProcess = cgroups.start(busy, List.of(duty.toString(), "60"));
            Process lightProcess = cgroups.start(light, List.of(duty.toString(), "20"));
            int busyPid = (int) busyProcess.pid();
            int lightPid = (int) lightProcess.pid();
            awaitInCgroup(busyPid, busy);
            awaitInCgroup(lightPid, light);
            Recording recording = new Recording(
                    SamplerOptions.allCpus(FREQUENCY, false).withDataPages(DATA_PAGES).withUserStackBytes(0).withCgroups(List.of(busy.directory(), light.directory())),
                    new PidSelection(Set.of(), PROC));
            CompletableFuture<Recording.Result> result = startRecording(recording);
            long busyStart = onCpuNanos(busyPid);
            long lightStart = onCpuNanos(lightPid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long busyCpu;
            long lightCpu;
            do {
                Thread.sleep(200);
                busyCpu = onCpuNanos(busyPid) - busyStart;
                lightCpu = onCpuNanos(lightPid) - lightStart;
            } while (busyCpu + lightCpu < WORKLOAD_CPU_NANOS && System.nanoTime() < deadline);
            recording.stop();
            Recording.Result recorded = result.get(60, TimeUnit.SECONDS);

            Map<Integer, Long> samplesByPid = recorded.stacks().stream()
                    .collect(java.util.stream.Collectors.groupingBy(AggregatedStack::pid, java.util.stream.Collectors.summingLong(AggregatedStack::count)));
            assertThat(samplesByPid.keySet()).as("pids the kernel sampled in cgroup mode").containsOnly(busyPid, lightPid);
            long busySamples = samplesByPid.getOrDefault(busyPid, 0L);
            long lightSamples = samplesByPid.getOrDefault(lightPid, 0L);
            assertThat(busySamples + lightSamples).isGreaterThan(1000);
            assertThat(100.0 * busySamples / (busySamples + lightSamples)).as("busy container's share of samples, percent")
                    .isCloseTo(100.0 * busyCpu / (busyCpu + lightCpu), within(3.0));
            assertThat(containerOf(busyPid)).isEqualTo(busy.containerId());
            assertThat(containerOf(lightPid)).isEqualTo(light.containerId());
        }
    }

    @Test
    void samplesOfProcessesThatExitedBeforeTheRecordingEndedStillResolveToTheirBinary() throws Exception {
        Path forker = CWorkloads.compile("forker");
        long[] work = CWorkloads.textSymbols(forker).get("scorch_child_work");
        Process workload = new ProcessBuilder(forker.toString(), "40", "20").start();
        int forkerPid = (int) workload.pid();

        Recording.Result recorded = recordUntilExit(workload);

        List<AggregatedStack> children = recorded.stacks().stream()
                .filter(s -> s.pid() != forkerPid && s.userIps().length > 0 && inRange(s.userIps()[0], work))
                .toList();
        assertThat(children.stream().map(AggregatedStack::pid).distinct().count()).as("short-lived children sampled").isGreaterThan(10);
        assertThat(ProfileSamples.withFunction(ProfileSamples.build(recorded, FREQUENCY), "scorch_child_work"))
                .as("samples with scorch_child_work named in their stack").isGreaterThan(recorded.selectedSamples() / 2);
        assertThat(children).allSatisfy(stack -> {
            assertThat(Files.exists(PROC.resolve(Integer.toString(stack.pid())))).as("child %d has exited", stack.pid()).isFalse();
            assertThat(recorded.processes().process(stack.pid())).get()
                    .satisfies(p -> assertThat(p.mappingAt(stack.userIps()[0])).get().extracting(Mapping::path).isEqualTo(forker.toString()));
        });
    }

    @Test
    void aLibraryLoadedOnAnotherCpuThanTheExecKeepsItsMapping() throws Exception {
        Tier.REAL_KERNEL.require(Runtime.getRuntime().availableProcessors() >= 2,
                "records out of order across CPUs need two CPUs; this machine has one");
        Path migrator = CWorkloads.compile("migrator");
        // The reader drains CPU 0's buffer before CPU 1's, so libm's MMAP2 (CPU 0) is read before the exec (CPU 1).
        Process workload = new ProcessBuilder(migrator.toString(), "1", "0", "1000").start();
        int pid = (int) workload.pid();

        Recording.Result recorded = recordUntilExit(workload);

        List<AggregatedStack> sampled = recorded.stacks().stream().filter(s -> s.pid() == pid && s.userIps().length > 0).toList();
        long samples = sampled.stream().mapToLong(AggregatedStack::count).sum();
        long inLibm = sampled.stream()
                .filter(s -> recorded.processes().process(pid).flatMap(p -> p.mappingAt(s.userIps()[0]))
                        .map(m -> m.path().endsWith("/libm.so.6")).orElse(false))
                .mapToLong(AggregatedStack::count).sum();
        assertThat(samples).as("samples of the workload").isGreaterThan(1000);
        assertThat(100.0 * inLibm / samples).as("percent of its samples whose leaf lies in libm's mapping").isGreaterThan(50.0);
    }

    /** Records {@code workload} and its descendants from the moment it is told to start until it exits. */
    private static Recording.Result recordUntilExit(Process workload) throws Exception {
        Recording recording = new Recording(SamplerOptions.allCpus(FREQUENCY, false).withDataPages(DATA_PAGES).withUserStackBytes(0),
                new PidSelection(Set.of((int) workload.pid()), PROC));
        CompletableFuture<Recording.Result> result = startRecording(recording);
        workload.getOutputStream().write("go\n".getBytes());
        workload.getOutputStream().flush();
        assertThat(workload.waitFor(120, TimeUnit.SECONDS)).isTrue();
        recording.stop();
        return result.get(60, TimeUnit.SECONDS);
    }

    private static CompletableFuture<Recording.Result> startRecording(Recording recording) throws InterruptedException {
        CompletableFuture<Recording.Result> result = BackgroundRecording.start(recording, Duration.ofMinutes(5));
        assertThat(recording.awaitStarted(Duration.ofSeconds(30))).as("sampler started").isTrue();
        return result;
    }

    private static boolean inRange(long address, long[] range) {
        return address >= range[0] && address < range[1];
    }

    /** Time on CPU so far, from the scheduler's own accounting (first field of schedstat, ns). */
    private static long onCpuNanos(int pid) throws IOException {
        return Long.parseLong(Files.readString(PROC.resolve(pid + "/schedstat")).split(" ")[0]);
    }

    private static String containerOf(int pid) {
        return new ProcessTable(PROC).cgroup(pid).flatMap(CgroupParser::parse).map(ContainerCgroup::containerId).orElse("none");
    }

    private static void awaitInCgroup(int pid, KubeletCgroups.Container container) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.readString(PROC.resolve(pid + "/cgroup")).contains(container.cgroupPath())) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("pid " + pid + " never joined " + container.cgroupPath());
    }
}
