package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.TestJvms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier 2, real JVMs: a JVM stopped (SIGSTOP, as a JVM starved on a busy host looks) after its
 * attach listener started takes the collector's request into its socket's queue and answers it
 * once it runs again, after the request gave up waiting. The map it then writes is the
 * collector's: removed at the collector's end, or, when the collector has exited by then, by the
 * next collector on the host, to which the first handed the JVM over.
 */
class LateJitMapAnswersTest {

    private static final Path PROC = Path.of("/proc");
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(120);

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @TempDir
    Path dir;

    @BeforeEach
    void requireRoot() {
        CpuWideSampling.require();
    }

    @Test
    void aMapWrittenOnARequestThatGaveUpIsRemovedAtTheEnd() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process jvm = stoppedJvmWithItsListener();
            JitMapRequests requests = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);
            requests.ask(TestJvms.sampled(jvm));
            assertThat(requests.unanswered()).as("the request gave up").isEqualTo(1);

            TestJvms.resume(jvm);
            awaitMap(jvm);

            int removed = requests.removeCausedMaps();
            if (attempt < 3 && removed == 0 && !requests.causedMaps().isEmpty()) {
                // Another profiler on this shared host (a bench's collector asks every JVM it samples) wrote or removed it too.
                System.out.println("the JVM's map was touched by another profiler (" + requests.causedMaps() + "); running the scenario again");
                continue;
            }
            assertThat(removed).as("maps removed (outcomes %s)", requests.causedMaps()).isEqualTo(1);
            assertThat(TestJvms.perfMap(jvm)).doesNotExist();
            return;
        }
    }

    @Test
    void aMapAJvmWritesAfterItsCollectorExitedIsRemovedByTheNextCollector() throws Exception {
        Process jvm = stoppedJvmWithItsListener();
        Path handOver = dir.resolve(".jit-maps-answers-due");
        JitMapRequests first = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);
        first.handOverAnswersDueThrough(handOver);
        first.ask(TestJvms.sampled(jvm));
        first.removeCausedMaps();
        assertThat(handOver).as("the JVM handed over").isRegularFile();

        TestJvms.resume(jvm);
        awaitMap(jvm);
        JitMapRequests next = new JitMapRequests(PROC, Duration.ZERO, ATTACH_TIMEOUT);
        assertThat(next.handOverAnswersDueThrough(handOver)).as("JVMs taken over").isEqualTo(1);
        next.removeMapsOfExitedJvms();

        assertThat(TestJvms.perfMap(jvm)).doesNotExist();
        assertThat(next.causedMaps()).isEqualTo(Map.of("removed", 1L));
        assertThat(handOver).doesNotExist();
    }

    /** An idle JVM whose attach listener runs (started by a user's own jcmd, which writes no map), then stopped. */
    private Process stoppedJvmWithItsListener() throws Exception {
        Process jvm = jvms.idle();
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(jvm.pid()),
                "VM.version").redirectErrorStream(true).start();
        String said = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(TestJvms.attachSocket(jvm)).as("the listener's socket after jcmd said: %s", said).exists();
        assertThat(TestJvms.perfMap(jvm)).doesNotExist();
        TestJvms.stop(jvm);
        return jvm;
    }

    private static void awaitMap(Process jvm) throws InterruptedException {
        Instant deadline = Instant.now().plus(ANSWER_WAIT);
        while (!Files.isRegularFile(TestJvms.perfMap(jvm))) {
            assertThat(Instant.now()).as("the resumed JVM wrote its map").isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
