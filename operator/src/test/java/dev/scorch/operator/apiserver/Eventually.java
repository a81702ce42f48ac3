package dev.scorch.operator.apiserver;

import java.time.Duration;

/** Polls an assertion until it holds or the timeout passes; then rethrows its last failure. */
final class Eventually {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Eventually() {}

    static void assertThat(Runnable assertion) {
        assertThat(TIMEOUT, assertion);
    }

    static void assertThat(Duration timeout, Runnable assertion) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting", e);
            }
        }
    }
}
