package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiers 2 and 3: the stop resolves the stacks of its last intervals only until its flush deadline;
 * what is left then is counted and not exported, so a stop on a host too busy to symbolize in time
 * still ends within its bound. Real sampling of a real workload, a real API server.
 */
class FinalFlushDeadlineTest {

    private static final Pattern SAMPLES = Pattern.compile("(?m)^scorch_samples_total (\\d+)");

    @TempDir
    Path dir;

    @Test
    void aStopPastItsFlushDeadlineLeavesItsStacksOutAndCountsTheirSamples() throws Exception {
        Stop stop = runAndStop(Duration.ZERO);

        assertThat(stop.samplesCut()).as("samples of the final interval left out").isPositive();
        assertThat(stop.profiles()).as("profiles written at the stop").noneMatch(f -> NodeCollectorTest.contains(f, "scorch_hot"));
    }

    @Test
    void aStopWithinItsFlushDeadlineExportsItsStacksWhole() throws Exception {
        Stop stop = runAndStop(Duration.ofMinutes(10));

        assertThat(stop.samplesCut()).isZero();
        assertThat(stop.profiles()).as("profiles written at the stop").anyMatch(f -> NodeCollectorTest.contains(f, "scorch_hot"));
    }

    private record Stop(long samplesCut, List<Path> profiles) {}

    /** Samples the host with a busy workload in one long interval, then stops with {@code flushBound}: the stop writes the only profile. */
    private Stop runAndStop(Duration flushBound) throws Exception {
        Tier.REAL_KERNEL.require(NodeCollectorTest.isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        ApiServer api = CollectorServiceAccount.create(ControlPlane.shared(ControlPlane.Options.apiServerOnly()));
        Path profiles = dir.resolve("profiles");
        Path config = Files.writeString(dir.resolve("collector.json"), """
                {"health": {"port": 0}, "spool": {"directory": "%s"},
                 "policies": [{"name": "flush", "sampling": {"frequencyHz": 99}, "targets": {"hostProcesses": true},
                   "export": {"intervalSeconds": 600, "backends": [{"name": "files", "directory": {"path": "%s"}}]}}]}
                """.formatted(dir.resolve("spool"), profiles));
        Process workload = new ProcessBuilder(CWorkloads.compile("split").toString(), "120").inheritIO().start();
        NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity("flush-node", null, null), api, Clock.systemUTC());
        Thread loop = Thread.ofPlatform().name("flush-loop").start(collector::runUntilClosed);
        try {
            NodeCollectorTest.awaitTrue(() -> samples(collector) >= 300, "300 samples of the host");
        } finally {
            collector.close(flushBound);
            loop.join(Duration.ofSeconds(30));
            workload.destroyForcibly();
            workload.waitFor();
        }
        try (Stream<Path> files = Files.walk(profiles)) {
            return new Stop(collector.samplesCutAtStop(), files.filter(f -> f.getFileName().toString().endsWith(".pb.gz")).toList());
        }
    }

    private static long samples(NodeCollector collector) {
        try {
            Matcher matcher = SAMPLES.matcher(NodeCollectorTest.get(collector.healthPort(), "/metrics").body());
            return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
