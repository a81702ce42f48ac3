package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.testenv.Tier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tier 2: real HotSpot JVMs on this host write their perf map when the collector asks through the
 * attach mechanism; the collector removes that map once the JVM has exited, and never a map the
 * JVM or its user wrote on their own.
 */
class CausedPerfMapsTest {

    private static final Path PROC = Path.of("/proc");
    private static final int ATTEMPTS = 3;
    private static final String IDLE = """
            public class Idle {
                public static void main(String[] args) throws Exception {
                    System.out.println("ready");
                    Thread.sleep(120_000);
                }
            }
            """;

    private final List<Process> jvms = new ArrayList<>();
    private final List<Path> maps = new ArrayList<>();

    @BeforeEach
    void requireRoot() {
        Tier.REAL_KERNEL.require(SamplingPreflight.ofThisHost().check(false).stream().noneMatch(f -> f.problem().fatal()),
                "the collector attaches to JVMs as root, as it samples");
    }

    @AfterEach
    void stopJvmsAndDeleteTheirMaps() throws Exception {
        for (Process jvm : jvms) {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
        }
        for (Path map : maps) {
            Files.deleteIfExists(map);
        }
    }

    @Test
    void theMapTheCollectorCausedIsRemovedOnceTheJvmHasExitedAndNotBefore() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process jvm = startIdleJvm();
            Path map = mapOf(jvm);
            JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(10));

            ask(requests, jvm);
            assertThat(requests.written()).isEqualTo(1);
            assertThat(map).isRegularFile();
            requests.removeMapsOfExitedJvms();
            assertThat(map).as("the JVM still runs").isRegularFile();

            jvm.destroyForcibly();
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
            requests.removeMapsOfExitedJvms();

            if (attempt < ATTEMPTS && askedByAnotherProfiler(requests.causedMaps())) {
                continue;
            }
            assertThat(requests.causedMaps()).isEqualTo(Map.of("removed", 1L));
            assertThat(map).doesNotExist();
            return;
        }
    }

    @Test
    void aMapTheJvmRewritesAtExitOnItsOwnIsKept() throws Exception {
        Process jvm = startIdleJvm("-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit");
        Path map = mapOf(jvm);
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(10));
        ask(requests, jvm);
        assertThat(map).isRegularFile();
        Thread.sleep(1000); // the JVM's own write at exit gets a later modification time than the collector's request

        jvm.destroy(); // SIGTERM: an orderly exit, which writes the map
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        requests.removeMapsOfExitedJvms();

        assertThat(map).isRegularFile();
        assertThat(requests.causedMaps()).isEqualTo(Map.of("kept_rewritten", 1L));
    }

    @Test
    void aMapThereBeforeTheCollectorsFirstRequestIsNeverRemoved() throws Exception {
        Process jvm = startIdleJvm();
        Path map = mapOf(jvm);
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(jvm.pid()),
                "Compiler.perfmap").redirectErrorStream(true).start();
        String said = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(map).as("the user's own jcmd wrote the map: %s", said).isRegularFile();
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(10));
        ask(requests, jvm);
        assertThat(requests.written()).isEqualTo(1);

        jvm.destroyForcibly();
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        requests.removeMapsOfExitedJvms();

        assertThat(map).isRegularFile();
        assertThat(requests.causedMaps()).isEqualTo(Map.of("kept_not_ours", 1L));
    }

    @Test
    void theEndOfARecordingRemovesTheMapsItCausedOfJvmsStillRunning() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process jvm = startIdleJvm();
            Path map = mapOf(jvm);
            JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(10));
            ask(requests, jvm);
            assertThat(map).isRegularFile();

            int removed = requests.removeCausedMaps();

            if (attempt < ATTEMPTS && askedByAnotherProfiler(requests.causedMaps())) {
                continue;
            }
            assertThat(removed).isEqualTo(1);
            assertThat(map).doesNotExist();
            assertThat(jvm.isAlive()).isTrue();
            return;
        }
    }

    @Test
    void aJvmThatRefusesLeavesNothingToFollow() throws Exception {
        Process jvm = startIdleJvm("-XX:+DisableAttachMechanism");
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(2));
        ProcessTable processes = ProcessTable.ofThisHost();
        processes.sampled((int) jvm.pid());
        requests.refresh(processes.process((int) jvm.pid()).orElseThrow());
        assertThat(requests.refusals()).containsOnlyKeys("no_listener");

        jvm.destroyForcibly();
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        requests.removeMapsOfExitedJvms();

        assertThat(requests.causedMaps()).isEmpty();
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

    private static void ask(JitMapRequests requests, Process jvm) {
        ProcessTable processes = ProcessTable.ofThisHost();
        processes.sampled((int) jvm.pid());
        requests.refresh(processes.process((int) jvm.pid()).orElseThrow());
        assertThat(requests.refusedJvms()).isEmpty();
    }

    private Path mapOf(Process jvm) {
        Path map = Path.of("/tmp/perf-" + jvm.pid() + ".map");
        maps.add(map);
        return map;
    }

    /** Starts a JVM of the test's own JDK that idles for two minutes, once it has started. */
    private Process startIdleJvm(String... options) throws Exception {
        Path dir = Files.createTempDirectory("scorch-idle-jvm");
        Files.writeString(dir.resolve("Idle.java"), IDLE);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(options));
        command.add(dir.resolve("Idle.java").toString());
        Process jvm = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        jvms.add(jvm);
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                // Other lines are thread dumps: another profiler's SIGQUIT to a JVM whose attach mechanism is off.
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.equals("ready")) {
                        return line;
                    }
                }
                return "exited";
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        assertThat(ready.get(180, TimeUnit.SECONDS)).isEqualTo("ready");
        // A map of an earlier process with this pid, left behind, is not this JVM's: start from none.
        Files.deleteIfExists(Path.of("/tmp/perf-" + jvm.pid() + ".map"));
        return jvm;
    }
}
