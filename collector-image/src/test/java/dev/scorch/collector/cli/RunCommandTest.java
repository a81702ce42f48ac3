package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RunCommandTest {

    final PrintStream out = new PrintStream(new ByteArrayOutputStream());

    @Test
    void withoutItsNodeNameTheCollectorRefusesToStartAndSaysWhy() {
        assertThatThrownBy(() -> new RunCommand(Map.of()).run(List.of(), out, out))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("SCORCH_NODE_NAME is not set");
    }

    @Test
    void anExplicitApiServerNeedsItsCaAndToken() {
        assertThatThrownBy(() -> new RunCommand(Map.of("SCORCH_NODE_NAME", "n")).run(List.of("--api-server", "https://127.0.0.1:6443"), out, out))
                .isInstanceOf(UsageException.class)
                .hasMessage("--api-server needs --api-server-ca");
    }

    @Test
    void outsideAPodWithoutAnApiServerTheErrorNamesTheMissingVariable() {
        assertThatThrownBy(() -> new RunCommand(Map.of("SCORCH_NODE_NAME", "n")).run(List.of(), out, out))
                .hasMessageStartingWith("KUBERNETES_SERVICE_HOST is not set");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThatThrownBy(() -> new RunCommand(Map.of("SCORCH_NODE_NAME", "n")).run(List.of("--frequency", "99"), out, out))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--frequency");
    }

    @Test
    void aForcedExitNamesTheVirtualThreadsStillClosingAndWhereTheyWait() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        Thread closing = Thread.ofVirtual().name("scorch-close-team-1/otel").start(() -> {
            waiting.countDown();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            waiting.await();
            while (closing.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            assertThat(RunCommand.stoppingThreads(List.of(closing)))
                    .contains("scorch-close-team-1/otel (virtual) at ")
                    .contains("java.util.concurrent.CountDownLatch.await");
        } finally {
            answer.countDown();
            closing.join();
        }
    }
}
