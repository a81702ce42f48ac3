package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.TestJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 2: real HotSpot JVMs on this host write their perf map when the collector asks through the
 * attach mechanism; the collector removes that map once the JVM has exited, and never a map the
 * JVM or its user wrote on their own.
 */
class CausedPerfMapsTest {

    private static final Path PROC = Path.of("/proc");
    private static final int ATTEMPTS = 3;

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @BeforeEach
    void requireRoot() {
        CpuWideSampling.require();
    }

    @Test
    void theMapTheCollectorCausedIsRemovedOnceTheJvmHasExitedAndNotBefore() throws Exception {
        for (int attempt = 1; ; attempt++) {
            IdleJvm jvm = startIdleJvm();
            ask(jvm);
            jvm.requests.removeMapsOfExitedJvms();
            assertThat(jvm.map).as("the JVM still runs").isRegularFile();

            exitAndSweep(jvm, jvm.process::destroyForcibly);

            if (attempt < ATTEMPTS && askedByAnotherProfiler(jvm.requests.causedMaps())) {
                continue;
            }
            assertThat(jvm.requests.causedMaps()).isEqualTo(Map.of("removed", 1L));
            assertThat(jvm.map).doesNotExist();
            return;
        }
    }

    @Test
    void aMapTheJvmRewritesAtExitOnItsOwnIsKept() throws Exception {
        IdleJvm jvm = startIdleJvm("-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit");
        ask(jvm);
        Thread.sleep(1000); // the JVM's own write at exit gets a later modification time than the collector's request

        exitAndSweep(jvm, jvm.process::destroy); // SIGTERM: an orderly exit, which writes the map

        assertThat(jvm.map).isRegularFile();
        assertThat(jvm.requests.causedMaps()).isEqualTo(Map.of("kept_rewritten", 1L));
    }

    @Test
    void aMapThereBeforeTheCollectorsFirstRequestIsNeverRemoved() throws Exception {
        IdleJvm jvm = startIdleJvm();
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(jvm.process.pid()),
                "Compiler.perfmap").redirectErrorStream(true).start();
        String said = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(jvm.map).as("the user's own jcmd wrote the map: %s", said).isRegularFile();
        ask(jvm);

        exitAndSweep(jvm, jvm.process::destroyForcibly);

        assertThat(jvm.map).isRegularFile();
        assertThat(jvm.requests.causedMaps()).isEqualTo(Map.of("kept_not_ours", 1L));
    }

    @Test
    void theEndOfARecordingRemovesTheMapsItCausedOfJvmsStillRunning() throws Exception {
        for (int attempt = 1; ; attempt++) {
            IdleJvm jvm = startIdleJvm();
            ask(jvm);

            int removed = jvm.requests.removeCausedMaps();

            if (attempt < ATTEMPTS && askedByAnotherProfiler(jvm.requests.causedMaps())) {
                continue;
            }
            assertThat(removed).isEqualTo(1);
            assertThat(jvm.map).doesNotExist();
            assertThat(jvm.process.isAlive()).isTrue();
            return;
        }
    }

    @Test
    void aJvmThatRefusesLeavesNothingToFollow() throws Exception {
        // Without performance data the JVM is signalled, and refuses by opening no socket, try after try.
        IdleJvm jvm = startIdleJvm("-XX:-UsePerfData", "-XX:+DisableAttachMechanism").askedWithin(Duration.ofSeconds(2));
        for (int i = 0; i < JitMapRequests.SILENT_TRIES; i++) {
            jvm.requests.ask(TestJvms.sampled(jvm.process));
        }
        assertThat(jvm.requests.refusals()).containsOnlyKeys("no_listener");

        exitAndSweep(jvm, jvm.process::destroyForcibly);

        assertThat(jvm.requests.causedMaps()).isEmpty();
    }

    /**
     * Whether another profiler on this shared host (another collector's whole-host recording asks
     * every JVM it samples) had the JVM write its map too, before the test's request or after it:
     * then keeping the map is right, and the scenario is run again on a new JVM.
     */
    private static boolean askedByAnotherProfiler(Map<String, Long> outcomes) {
        boolean kept = outcomes.containsKey("kept_not_ours") || outcomes.containsKey("kept_rewritten");
        if (kept) {
            System.out.println("another profiler asked the test's JVM for its perf map (" + outcomes + "); running the scenario again");
        }
        return kept;
    }

    /** A JVM of the test's own JDK, idle, with the collector's requests to it and the map they may cause. */
    private record IdleJvm(Process process, Path map, JitMapRequests requests) {

        /** The same JVM, asked by requests that wait {@code timeout} for an answer. */
        IdleJvm askedWithin(Duration timeout) {
            return new IdleJvm(process, map, new JitMapRequests(PROC, Duration.ZERO, timeout));
        }
    }

    /** The collector asks {@code jvm} for its map once, as for a JVM it sampled; the JVM writes it. */
    private static void ask(IdleJvm jvm) {
        jvm.requests.ask(TestJvms.sampled(jvm.process));
        assertThat(jvm.requests.refusedJvms()).isEmpty();
        assertThat(jvm.requests.written()).isEqualTo(1);
        assertThat(jvm.map).isRegularFile();
    }

    /** Ends {@code jvm} by {@code exit}, waits until it has, then removes the maps of the JVMs that have exited. */
    private static void exitAndSweep(IdleJvm jvm, Runnable exit) throws InterruptedException {
        exit.run();
        assertThat(jvm.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        jvm.requests.removeMapsOfExitedJvms();
    }

    /** An idle JVM of the test's own JDK with no map yet (one an earlier process left at its pid is not this JVM's). */
    private IdleJvm startIdleJvm(String... options) throws Exception {
        Process jvm = jvms.idle(options);
        return new IdleJvm(jvm, TestJvms.perfMap(jvm), new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(10)));
    }
}
