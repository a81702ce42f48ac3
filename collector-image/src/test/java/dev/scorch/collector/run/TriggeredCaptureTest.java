package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
import dev.scorch.collector.pull.PulledProfile;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.trigger.CgroupStats;
import dev.scorch.collector.trigger.CgroupStatsReader;
import dev.scorch.collector.trigger.ContainerTriggers;
import dev.scorch.collector.trigger.ContainerTriggers.Firing;
import dev.scorch.collector.trigger.TriggerRule;
import dev.scorch.collector.trigger.TriggerRule.Absolute;
import dev.scorch.collector.trigger.TriggerRule.Metric;
import dev.scorch.collector.trigger.TriggerRule.Relative;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.collector.workload.KubeletCgroups;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Triggers on a real container cgroup (kubelet-shaped, cgroup v2; memory from v1 where the host
 * is hybrid) with a real Go program in it: a steady program fires nothing, burning CPU fires
 * within two checks and captures a CPU profile of just that cgroup plus its heap and goroutine
 * profiles, the cooldown holds while it keeps burning, leaked goroutines fire their own rule.
 */
class TriggeredCaptureTest {

    private static final Duration CHECK = Duration.ofSeconds(1);

    private final List<String> log = new ArrayList<>();

    private List<Firing> checks(ContainerTriggers triggers, CgroupStatsReader reader, String cgroupPath, ProfileFetcher fetcher,
            PullEndpoints endpoints, int count) throws Exception {
        List<Firing> fired = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread.sleep(CHECK);
            CgroupStats stats = reader.read(cgroupPath);
            long goroutines = fetcher.fetch(endpoints.url(GoProfileType.GOROUTINE), GoProfileType.GOROUTINE).total("goroutine");
            List<Firing> now = triggers.check(stats, OptionalLong.of(goroutines), Instant.now());
            log.add("cpu " + stats.cpuUsageNanos() + " ns, memory " + stats.memoryBytes() + " B, " + goroutines + " goroutines -> " + now);
            fired.addAll(now);
            if (!now.isEmpty()) {
                return fired;
            }
        }
        return fired;
    }

    @Test
    void aCpuJumpCapturesItsCgroupAndGoProfilesOnceAndASteadyProgramNothing() throws Exception {
        Tier.REAL_KERNEL.require(SamplingPreflight.ofThisHost().check(false).stream().noneMatch(f -> f.problem().fatal()),
                "captures sample with perf cgroup events: run the tests as root");
        Path mount = CgroupDirectories.ofThisHost().unifiedMount().orElse(null);
        Tier.REAL_KERNEL.require(mount != null, "no cgroup v2 mount on this host; perf cgroup mode needs one");
        Path memoryV1 = Path.of("/sys/fs/cgroup/memory");
        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container container = cgroups.newContainer();
            Path memoryDir = memoryV1.resolve(container.cgroupPath().substring(1));
            boolean hybrid = Files.isDirectory(memoryV1) && !Files.exists(mount.resolve("cgroup.subtree_control"))
                    || Files.isDirectory(memoryV1) && !Files.readString(mount.resolve("cgroup.controllers")).contains("memory");
            if (hybrid) {
                Files.createDirectories(memoryDir);
            }
            try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL, command -> {
                        Process p = cgroups.start(container, command);
                        if (hybrid) {
                            Files.writeString(memoryDir.resolve("cgroup.procs"), Long.toString(p.pid()));
                        }
                        return p;
                    });
                    ProfileFetcher fetcher = new ProfileFetcher(ProfileFetcher.Limits.DEFAULT, new PprofDecoder(PprofDecoder.defaultLimits()))) {
                CgroupStatsReader reader = CgroupStatsReader.ofThisHost();
                PullEndpoints endpoints = PullEndpoints.at(program.base());
                ContainerTriggers triggers = new ContainerTriggers(List.of(
                        // min 0.1 core: the shared test machine may give the burning goroutine only a fifth of a CPU.
                        new TriggerRule(Metric.CPU, new Relative(0.1, 200, 1.9), Duration.ofMinutes(5), 4),
                        new TriggerRule(Metric.GOROUTINES, new Absolute(150, false), Duration.ofMinutes(5), 4)));
                TriggeredCapture capture = new TriggeredCapture(new TriggeredCapture.Settings(Duration.ofSeconds(2), 199, 1),
                        new Symbolizer(), fetcher);

                assertThat(checks(triggers, reader, container.cgroupPath(), fetcher, endpoints, 8)).as("steady: %s", log).isEmpty();
                assertThat(reader.read(container.cgroupPath()).memoryBytes()).as("memory of the container's cgroup").isPositive();

                program.burn(30);
                List<Firing> fired = checks(triggers, reader, container.cgroupPath(), fetcher, endpoints, 2);
                assertThat(fired).as("burning, two checks: %s", log).singleElement()
                        .satisfies(f -> assertThat(f.rule().metric()).isEqualTo(Metric.CPU));

                TriggeredCapture.Capture captured = capture.capture(fired.getFirst(), container.directory(),
                        new TreeMap<>(java.util.Map.of("service_name", "gopprof", "pod", "gopprof-0")), endpoints).orElseThrow();
                assertThat(captured.labels()).containsEntry("trigger", "cpu").containsEntry("pod", "gopprof-0")
                        .hasEntrySatisfying("trigger_value", v -> assertThat(v).endsWith(" cores"));
                assertThat(captured.cpu().labels()).isEqualTo(captured.labels());
                assertThat(leafNames(captured.cpu())).contains("main.scorchBurn");
                assertThat(captured.problems()).isEmpty();
                PulledProfile heap = new PprofDecoder(PprofDecoder.defaultLimits()).decode(captured.goProfiles().get(GoProfileType.HEAP).gzippedPprof(), "heap");
                assertThat(heap.sampleTypeIndex("inuse_space")).isNotNegative();
                assertThat(captured.goProfiles()).containsKey(GoProfileType.GOROUTINE);

                assertThat(checks(triggers, reader, container.cgroupPath(), fetcher, endpoints, 4))
                        .as("still burning, in cooldown: %s", log).isEmpty();

                program.leakGoroutines(200);
                assertThat(checks(triggers, reader, container.cgroupPath(), fetcher, endpoints, 2)).as("%s", log)
                        .singleElement().satisfies(f -> {
                            assertThat(f.rule().metric()).isEqualTo(Metric.GOROUTINES);
                            assertThat(f.value()).isGreaterThanOrEqualTo(200);
                        });
            } finally {
                if (hybrid) {
                    for (int i = 0; i < 50 && Files.exists(memoryDir); i++) {
                        try {
                            Files.deleteIfExists(memoryDir);
                        } catch (java.io.IOException e) {
                            Thread.sleep(20);
                        }
                    }
                }
            }
        }
    }

    private static List<String> leafNames(CpuProfile profile) {
        List<String> names = new ArrayList<>();
        for (CpuProfile.ProfileSample sample : profile.samples()) {
            CpuProfile.ProfileLocation leaf = profile.locations().get((int) sample.locationIds()[0] - 1);
            for (long f : leaf.functionIds()) {
                names.add(profile.functions().get((int) f - 1).name());
            }
        }
        return names;
    }
}
