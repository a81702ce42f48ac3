package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.TestJvms;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 2: a JVM that will never answer is told from one that answers slowly, on real JVMs. One
 * whose attach mechanism is disabled is written off without a signal; one that has not taken its
 * signal (stopped with SIGSTOP, as a JVM starved of CPU or frozen by its cgroup looks) is asked
 * again later, after a back-off that doubles, and answers once it runs, printing no thread dump;
 * without performance data, one whose listener did not start in time is asked again and answers,
 * and one that never opens a socket is written off after three tries; a socket a killed JVM left
 * at the pid does not keep a new JVM there from answering.
 */
class UnansweredJvmsTest {

    private static final Path PROC = Path.of("/proc");
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(1);

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @BeforeEach
    void requireRoot() {
        CpuWideSampling.require();
    }

    @Test
    void aJvmWhoseAttachMechanismIsDisabledIsWrittenOffWithoutASignal() throws Exception {
        Process jvm = jvms.idle("-XX:+DisableAttachMechanism");
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);

        requests.ask(TestJvms.sampled(jvm));
        requests.ask(TestJvms.sampled(jvm));

        assertThat(requests.refusals()).as("asked once").isEqualTo(java.util.Map.of("attach_disabled", 1L));
        assertThat(requests.refusedJvms()).singleElement().asString().contains("pid " + jvm.pid()).endsWith("attach_disabled");
        assertThat(requests.written()).isZero();
        assertThat(printedAfterExit(jvm)).as("what the JVM printed").doesNotContain("Full thread dump");
    }

    @Test
    void withoutPerformanceDataAJvmThatTakesTheSignalAndOpensNoSocketIsWrittenOffAfterThreeTries() throws Exception {
        Process jvm = jvms.idle("-XX:-UsePerfData", "-XX:+DisableAttachMechanism");
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);

        for (int i = 0; i < JitMapRequests.SILENT_TRIES + 1; i++) {
            requests.ask(TestJvms.sampled(jvm));
        }

        assertThat(requests.sent()).isEqualTo(JitMapRequests.SILENT_TRIES);
        assertThat(requests.unanswered()).isEqualTo(JitMapRequests.SILENT_TRIES - 1);
        assertThat(requests.refusals()).isEqualTo(java.util.Map.of("no_listener", 1L));
        assertThat(printedAfterExit(jvm).split("Full thread dump", -1)).as("one thread dump per try, no more")
                .hasSize(JitMapRequests.SILENT_TRIES + 1);
    }

    @Test
    void withoutPerformanceDataAJvmWhoseListenerStartsLateIsAskedAgainAndAnswers() throws Exception {
        Process jvm = jvms.idle("-XX:-UsePerfData");
        // HotSpot binds its listener at <socket>.tmp first: a directory there makes its first start fail, as a
        // listener that has not opened its socket by the end of the wait looks to the collector.
        Path blocker = Path.of(TestJvms.attachSocket(jvm) + ".tmp");
        Files.createDirectory(blocker);
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);
        try {
            requests.ask(TestJvms.sampled(jvm));
            assertThat(requests.unanswered()).isEqualTo(1);
            assertThat(requests.refusedJvms()).isEmpty();
        } finally {
            Files.delete(blocker);
        }

        requests.ask(TestJvms.sampled(jvm));

        assertThat(requests.written()).isEqualTo(1);
        assertThat(TestJvms.perfMap(jvm)).isRegularFile();
        assertThat(printedAfterExit(jvm)).doesNotContain("Full thread dump");
    }

    @Test
    void aStoppedJvmIsAskedAgainAndAnswersOnceItRunsWithoutPrintingAThreadDump() throws Exception {
        Process jvm = jvms.idle();
        TestJvms.stop(jvm);
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);

        requests.ask(TestJvms.sampled(jvm));
        assertThat(requests.unanswered()).isEqualTo(1);
        assertThat(requests.refusedJvms()).isEmpty();
        TestJvms.resume(jvm);
        requests.ask(TestJvms.sampled(jvm));

        assertThat(requests.written()).isEqualTo(1);
        assertThat(TestJvms.perfMap(jvm)).isRegularFile();
        assertThat(printedAfterExit(jvm)).as("the SIGQUIT it took late found its trigger").doesNotContain("Full thread dump");
    }

    @Test
    void aJvmThatKeepsMissingIsAskedAgainAfterABackOffThatDoubles() throws Exception {
        Process jvm = jvms.idle();
        TestJvms.stop(jvm);
        AtomicLong now = new AtomicLong();
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ofSeconds(30), ATTACH_TIMEOUT, new HotSpotAttach(PROC, ATTACH_TIMEOUT),
                now::get);

        requests.ask(TestJvms.sampled(jvm));
        now.addAndGet(seconds(59));
        requests.ask(TestJvms.sampled(jvm));
        assertThat(requests.sent()).as("within 2 x 30 s of the miss").isEqualTo(1);
        now.addAndGet(seconds(2));
        requests.ask(TestJvms.sampled(jvm));
        assertThat(requests.sent()).isEqualTo(2);
        now.addAndGet(seconds(119));
        requests.ask(TestJvms.sampled(jvm));
        assertThat(requests.sent()).as("within 4 x 30 s of the second miss").isEqualTo(2);
        now.addAndGet(seconds(2));
        requests.ask(TestJvms.sampled(jvm));

        assertThat(requests.sent()).isEqualTo(3);
        assertThat(requests.unanswered()).isEqualTo(3);
        assertThat(requests.refusedJvms()).isEmpty();
    }

    @Test
    void aSocketLeftAtTheJvmsPidByAKilledJvmDoesNotKeepItFromAnswering() throws Exception {
        Process jvm = jvms.idle();
        leaveStaleSocket(TestJvms.attachSocket(jvm));
        JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, Duration.ofSeconds(30));

        requests.ask(TestJvms.sampled(jvm));

        assertThat(requests.refusedJvms()).isEmpty();
        assertThat(requests.written()).isEqualTo(1);
    }

    /** A socket file with no listener behind it, as a JVM killed with SIGKILL leaves its attach socket. */
    private static void leaveStaleSocket(Path socket) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
        }
    }

    /** Everything the JVM printed after its ready line, once it is killed (a thread dump shows up a moment after its signal). */
    private static String printedAfterExit(Process jvm) throws Exception {
        Thread.sleep(1000);
        // Killed through its handle: Process.destroyForcibly closes the output stream, and a read racing it saw "Stream closed".
        jvm.toHandle().destroyForcibly();
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).as("the JVM exited").isTrue();
        return new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static long seconds(long seconds) {
        return TimeUnit.SECONDS.toNanos(seconds);
    }
}
