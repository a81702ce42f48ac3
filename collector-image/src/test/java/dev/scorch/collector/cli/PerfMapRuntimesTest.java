package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.collector.workload.LaunchedWorkload;
import dev.scorch.testenv.Tier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tier 2: a runtime that writes its own perf map keeps its functions named. Node.js run with
 * {@code --perf-basic-prof} writes {@code /tmp/perf-<pid>.map}; the collector reads it as it reads
 * the map it has JVMs write (and asks nothing of a process that is not a JVM).
 */
class PerfMapRuntimesTest {

    private static final int FREQUENCY = 299;
    private static final Path PROC = Path.of("/proc");
    private Process node;

    @BeforeEach
    void requireRealKernel() {
        CpuWideSampling.require();
    }

    @AfterEach
    void stopWorkload() throws Exception {
        if (node != null) {
            node.destroyForcibly();
            node.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(Path.of("/tmp/perf-" + node.pid() + ".map"));
        }
    }

    @Test
    void nodeWithPerfBasicProfHasItsJavaScriptFunctionsNamed() throws Exception {
        Optional<Path> nodeBinary = ExternalTools.onPath("node");
        Tier.REAL_KERNEL.require(nodeBinary.isPresent(), "Node.js runs the workload: hack/install-nodejs.sh (apt-get install nodejs)");
        Path dir = Files.createTempDirectory("scorch-node");
        try (InputStream in = PerfMapRuntimesTest.class.getResourceAsStream("/workloads/perfmap/hot.js")) {
            Files.copy(in, dir.resolve("hot.js"));
        }
        node = new ProcessBuilder(nodeBinary.get().toString(), "--perf-basic-prof", dir.resolve("hot.js").toString(), "120")
                .redirectErrorStream(true).start();
        LaunchedWorkload.awaitLine(node, "ready", Duration.ofSeconds(60));
        Thread.sleep(2000); // V8 optimizes the hot function within its first second of running

        Recording recording = new Recording(SamplerOptions.allCpus(FREQUENCY, false), new PidSelection(Set.of((int) node.pid()), PROC));
        Recording.Result recorded = BackgroundRecording.start(recording, Duration.ofSeconds(8)).get(120, TimeUnit.SECONDS);
        CpuProfile profile = ProfileSamples.build(recorded, FREQUENCY);

        long total = ProfileSamples.total(profile);
        // V8 may inline scorchHotJs into an optimized scorchCallerJs: either name is the workload's function.
        long named = ProfileSamples.withFunctionContainingAny(profile, List.of("scorchHotJs", "scorchCallerJs"));
        assertThat(total).as("samples of the Node.js process").isGreaterThan(100);
        assertThat(100.0 * named / total).as("percent of the process's samples naming scorchHotJs or scorchCallerJs; samples by leaf: %s",
                ProfileSamples.byLeafFunction(profile)).isGreaterThanOrEqualTo(95.0);
    }
}
