package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.workload.TestJvms;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 2: a symbolization round does not wait on a JVM that cannot answer (stopped with SIGSTOP,
 * as a JVM starved on a busy host or frozen by its cgroup looks to the attach mechanism) past its
 * own deadline, asks it once, and leaves it alone while the request is in flight; its answer
 * serves a later round. A round starts by asking the JVMs among the processes of its stacks, side
 * by side, so a JVM it reaches after a slow one, seen for the first time or not, is named in it.
 */
class JitMapRoundsTest {

    private static final java.nio.file.Path PROC = java.nio.file.Path.of("/proc");
    /** Long enough that a stopped JVM's request outlives every round of a test. */
    private static final Duration ATTACH_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration ROUND_WAIT = Duration.ofMillis(500);

    @RegisterExtension
    final TestJvms jvms = new TestJvms();
    private final JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT, ROUND_WAIT);

    @BeforeEach
    void requireRoot() {
        CpuWideSampling.require();
    }

    @Test
    void aRoundGoesOnWithoutTheAnswerOfAStoppedJvmAndNamesItLate() throws Exception {
        Process stopped = stoppedJvm();

        requests.beginRound(List.of()).refresh(TestJvms.sampled(stopped));

        assertThat(requests.late()).isEqualTo(1);
        assertThat(requests.lateJvms()).singleElement().asString().contains("pid " + stopped.pid());
        assertThat(requests.written()).isZero();
        assertThat(requests.inFlight()).as("the request still waits for the JVM").isEqualTo(1);
    }

    @Test
    void aJvmIsAskedOncePerRound() throws Exception {
        Process stopped = stoppedJvm();

        PerfMapWriter.Round round = requests.beginRound(List.of());
        round.refresh(TestJvms.sampled(stopped));
        round.refresh(TestJvms.sampled(stopped));

        assertThat(requests.sent()).isEqualTo(1);
        assertThat(requests.late()).as("the second refresh of the round did not wait again").isEqualTo(1);
    }

    @Test
    void aJvmWhoseRequestIsInFlightIsNotAskedAgainByTheNextRound() throws Exception {
        Process stopped = stoppedJvm();

        requests.beginRound(List.of()).refresh(TestJvms.sampled(stopped));
        requests.beginRound(List.of()).refresh(TestJvms.sampled(stopped));

        assertThat(requests.sent()).isEqualTo(1);
    }

    @Test
    void theAnswerOfAJvmThatWasLateServesTheNextRound() throws Exception {
        Process stopped = stoppedJvm();
        requests.beginRound(List.of()).refresh(TestJvms.sampled(stopped));

        TestJvms.resume(stopped);
        awaitNoRequestInFlight();

        assertThat(requests.written()).isEqualTo(1);
        assertThat(TestJvms.perfMap(stopped)).as("the map the next round reads").isRegularFile();
    }

    @Test
    void aStoppedJvmDoesNotKeepTheRoundFromTheMapOfARunningOne() throws Exception {
        Process stopped = stoppedJvm();
        Process running = jvms.idle();

        PerfMapWriter.Round round = requests.beginRound(List.of());
        round.refresh(TestJvms.sampled(running));
        round.refresh(TestJvms.sampled(stopped));

        assertThat(requests.written()).as("maps written by the running JVM").isEqualTo(1);
        assertThat(TestJvms.perfMap(running)).isRegularFile();
        assertThat(requests.lateJvms()).singleElement().asString().contains("pid " + stopped.pid());
    }

    @Test
    void aRoundAsksTheJvmsOfItsStacksAtItsStartNotWhenItReachesThem() throws Exception {
        Process stopped = stoppedJvm();
        Process running = jvms.idle();

        PerfMapWriter.Round round = requests.beginRound(List.of(TestJvms.sampled(stopped), TestJvms.sampled(running)));

        assertThat(requests.sent()).as("both JVMs asked before the round reached either").isEqualTo(2);
        round.refresh(TestJvms.sampled(stopped));
        round.refresh(TestJvms.sampled(running));
        assertThat(requests.sent()).as("reaching the JVMs sent nothing more").isEqualTo(2);
    }

    @Test
    void aJvmSeenForTheFirstTimeAfterASlowOneIsNamedInTheSameRound() throws Exception {
        Process stopped = stoppedJvm();
        Process firstSeen = jvms.idle();
        // Long enough for a JVM on a busy host to start its listener and write its map.
        JitMapRequests patient = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT, Duration.ofSeconds(20));

        PerfMapWriter.Round round = patient.beginRound(List.of(TestJvms.sampled(stopped), TestJvms.sampled(firstSeen)));
        round.refresh(TestJvms.sampled(stopped));
        round.refresh(TestJvms.sampled(firstSeen));

        assertThat(patient.lateJvms()).as("only the stopped JVM was late").singleElement().asString()
                .contains("pid " + stopped.pid());
        assertThat(patient.written()).as("the JVM seen for the first time wrote its map within the round").isEqualTo(1);
        assertThat(TestJvms.perfMap(firstSeen)).isRegularFile();
    }

    @Test
    void aProfileRoundAsksTheJvmsOfTheStacksItWillResolveAtItsStart() throws Exception {
        Process running = jvms.idle();
        ProcessTable processes = ProcessTable.ofThisHost();
        processes.sampled((int) running.pid());
        CpuProfileBuilder profiles = new CpuProfileBuilder(new Symbolizer(Symbolizer.Settings.defaults(), requests), processes);

        profiles.round(List.of((int) running.pid(), (int) ProcessHandle.current().pid()));

        assertThat(requests.sent()).as("the JVM among the round's processes, asked before any stack is resolved").isEqualTo(1);
        awaitNoRequestInFlight();
        assertThat(TestJvms.perfMap(running)).isRegularFile();
    }

    @Test
    void aRoundOfUnknownProcessesAsksEachJvmWhenItReachesIt() throws Exception {
        Process running = jvms.idle();

        PerfMapWriter.Round round = requests.beginRound(List.of());
        assertThat(requests.sent()).isZero();
        round.refresh(TestJvms.sampled(running));

        assertThat(requests.sent()).isEqualTo(1);
        assertThat(TestJvms.perfMap(running)).isRegularFile();
    }

    @Test
    void aRequestOutsideAnyRoundWaitsForItsAnswerWhateverRoundsCameBefore() throws Exception {
        Process running = jvms.idle();
        requests.beginRound(List.of());
        Thread.sleep(ROUND_WAIT.toMillis() * 2); // that round's deadline has passed

        requests.ask(TestJvms.sampled(running));

        assertThat(requests.written()).isEqualTo(1);
        assertThat(requests.late()).isZero();
        assertThat(TestJvms.perfMap(running)).isRegularFile();
    }

    @Test
    void theEndWaitsForARequestInFlightAndRemovesTheMapItCaused() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process stopped = stoppedJvm();
            JitMapRequests ending = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT, ROUND_WAIT);
            ending.beginRound(List.of()).refresh(TestJvms.sampled(stopped));
            CompletableFuture<Integer> end = CompletableFuture.supplyAsync(ending::removeCausedMaps);

            TestJvms.resume(stopped);

            assertThat(end.get(10, TimeUnit.MINUTES)).as("maps removed").isEqualTo(1);
            assertThat(ending.written()).isEqualTo(1);
            ending.ask(TestJvms.sampled(stopped));
            assertThat(ending.sent()).as("nothing asked after the end").isEqualTo(1);
            if (attempt < 3 && Files.exists(TestJvms.perfMap(stopped))) {
                // Another profiler on this shared host (another collector asks every JVM it samples) wrote it since.
                System.out.println("the JVM's map was written again after its removal; running the scenario again");
                continue;
            }
            assertThat(TestJvms.perfMap(stopped)).doesNotExist();
            return;
        }
    }

    private Process stoppedJvm() throws Exception {
        Process jvm = jvms.idle();
        TestJvms.stop(jvm);
        return jvm;
    }

    private void awaitNoRequestInFlight() throws InterruptedException {
        while (requests.inFlight() > 0) {
            Thread.sleep(100);
        }
    }
}
