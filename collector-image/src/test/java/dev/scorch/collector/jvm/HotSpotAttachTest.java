package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.TestJvms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tier 2: attachers racing for one real HotSpot JVM. The JVM prints a thread dump for every SIGQUIT
 * that reaches it once its attach listener runs, so only one of them may signal it.
 */
class HotSpotAttachTest {
    private static final int ATTACHERS = 8;
    /** Rounds of the race: between rounds the socket is removed, which the JVM answers by starting its listener again. */
    private static final int ROUNDS = 20;

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @BeforeEach
    void requireRealKernel() {
        CpuWideSampling.require();
    }

    @Test
    void attachersRacingForOneJvmAllGetAnAnswerAndNoneMakesItPrintAThreadDump() throws Exception {
        Process jvm = jvms.idle();
        // Read what the JVM prints as it prints it: a full pipe would stall the thread that prints dumps.
        CompletableFuture<String> printed = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        int pid = (int) jvm.pid();
        Path socket = Path.of("/tmp/.java_pid" + pid);
        List<String> answers = new ArrayList<>();

        try (ExecutorService attachers = Executors.newFixedThreadPool(ATTACHERS)) {
            for (int round = 0; round < ROUNDS; round++) {
                Files.deleteIfExists(socket);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> calls = new ArrayList<>();
                for (int i = 0; i < ATTACHERS; i++) {
                    // One attacher each, as separate collectors (or a collector and a user's jcmd) are.
                    HotSpotAttach attach = new HotSpotAttach(Path.of("/proc"), Duration.ofSeconds(30));
                    calls.add(attachers.submit(() -> {
                        start.await();
                        return attach.jcmd(pid, pid, "VM.uptime");
                    }));
                }
                start.countDown();
                for (Future<String> call : calls) {
                    answers.add(call.get(120, TimeUnit.SECONDS));
                }
            }
        }
        // A thread dump is printed on the JVM's own thread after the signal: give it time to show.
        Thread.sleep(1000);
        jvm.destroyForcibly();
        jvm.waitFor(30, TimeUnit.SECONDS);
        String output = printed.get(60, TimeUnit.SECONDS);

        assertThat(answers).hasSize(ATTACHERS * ROUNDS).allSatisfy(answer -> assertThat(answer).contains(" s"));
        assertThat(output).as("what the JVM printed").doesNotContain("Full thread dump");
    }
}
