package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.LaunchedWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tier 2: a symbolization round does not wait on a JVM that cannot answer (stopped with SIGSTOP,
 * as a JVM starved on a busy host or frozen by its cgroup looks to the attach mechanism) past its
 * own deadline, asks it once, and leaves it alone while the request is in flight; its answer
 * serves a later round.
 */
class JitMapRoundsTest {

    private static final Path PROC = Path.of("/proc");
    /** Long enough that a stopped JVM's request outlives every round of a test. */
    private static final Duration ATTACH_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration ROUND_WAIT = Duration.ofMillis(500);
    private static final String IDLE = """
            public class Idle {
                public static void main(String[] args) throws Exception {
                    System.out.println("ready");
                    Thread.sleep(180_000);
                }
            }
            """;

    private final List<Process> jvms = new ArrayList<>();
    private final JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT, ROUND_WAIT);

    @BeforeEach
    void requireRoot() {
        CpuWideSampling.require();
    }

    @AfterEach
    void stopJvmsAndDeleteWhatTheyLeft() throws Exception {
        for (Process jvm : jvms) {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(Path.of("/tmp/perf-" + jvm.pid() + ".map"));
            // A killed JVM leaves its attach socket; a later process with its pid would look like a listener that never replies.
            Files.deleteIfExists(Path.of("/tmp/.java_pid" + jvm.pid()));
        }
    }

    @Test
    void aRoundGoesOnWithoutTheAnswerOfAStoppedJvmAndNamesItLate() throws Exception {
        Process stopped = startIdleJvm();
        stop(stopped);

        requests.beginRound();
        requests.refresh(sampled(stopped));

        assertThat(requests.late()).isEqualTo(1);
        assertThat(requests.lateJvms()).singleElement().asString().contains("pid " + stopped.pid());
        assertThat(requests.written()).isZero();
        assertThat(requests.inFlight()).as("the request still waits for the JVM").isEqualTo(1);
    }

    @Test
    void aJvmIsAskedOncePerRound() throws Exception {
        Process stopped = startIdleJvm();
        stop(stopped);

        requests.beginRound();
        requests.refresh(sampled(stopped));
        requests.refresh(sampled(stopped));

        assertThat(requests.sent()).isEqualTo(1);
        assertThat(requests.late()).as("the second refresh of the round did not wait again").isEqualTo(1);
    }

    @Test
    void aJvmWhoseRequestIsInFlightIsNotAskedAgainByTheNextRound() throws Exception {
        Process stopped = startIdleJvm();
        stop(stopped);

        requests.beginRound();
        requests.refresh(sampled(stopped));
        requests.beginRound();
        requests.refresh(sampled(stopped));

        assertThat(requests.sent()).isEqualTo(1);
    }

    @Test
    void theAnswerOfAJvmThatWasLateServesTheNextRound() throws Exception {
        Process stopped = startIdleJvm();
        stop(stopped);
        requests.beginRound();
        requests.refresh(sampled(stopped));

        signal(stopped, "CONT");
        awaitNoRequestInFlight();

        assertThat(requests.written()).isEqualTo(1);
        assertThat(Path.of("/tmp/perf-" + stopped.pid() + ".map")).as("the map the next round reads").isRegularFile();
    }

    @Test
    void aStoppedJvmDoesNotKeepTheRoundFromTheMapOfARunningOne() throws Exception {
        Process stopped = startIdleJvm();
        Process running = startIdleJvm();
        stop(stopped);

        requests.beginRound();
        requests.refresh(sampled(running));
        requests.refresh(sampled(stopped));

        assertThat(requests.written()).as("maps written by the running JVM").isEqualTo(1);
        assertThat(Path.of("/tmp/perf-" + running.pid() + ".map")).isRegularFile();
        assertThat(requests.lateJvms()).singleElement().asString().contains("pid " + stopped.pid());
    }

    private void awaitNoRequestInFlight() throws InterruptedException {
        while (requests.inFlight() > 0) {
            Thread.sleep(100);
        }
    }

    /** Stops {@code jvm} and waits until the kernel shows it stopped, so no answer can race the round. */
    private static void stop(Process jvm) throws Exception {
        signal(jvm, "STOP");
        while (!Files.readString(PROC.resolve(jvm.pid() + "/stat")).contains(") T ")) {
            Thread.sleep(20);
        }
    }

    private static void signal(Process jvm, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static ProcessSnapshot sampled(Process jvm) {
        ProcessTable processes = ProcessTable.ofThisHost();
        processes.sampled((int) jvm.pid());
        return processes.process((int) jvm.pid()).orElseThrow();
    }

    /** Starts a JVM of the test's own JDK that idles, once it has started, with no map yet. */
    private Process startIdleJvm() throws Exception {
        Path dir = Files.createTempDirectory("scorch-idle-jvm");
        Files.writeString(dir.resolve("Idle.java"), IDLE);
        Process jvm = LaunchedWorkload.javaSource(dir.resolve("Idle.java"), List.of());
        jvms.add(jvm);
        LaunchedWorkload.awaitLine(jvm, "ready", Duration.ofSeconds(180));
        Files.deleteIfExists(Path.of("/tmp/perf-" + jvm.pid() + ".map"));
        return jvm;
    }
}
