package dev.scorch.testenv;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Polling for a condition in the cluster, with a generous timeout and a failure message that says
 * what was last seen, instead of fixed sleeps.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(250);

    private Await() {
    }

    /**
     * Polls {@code probe} until it returns null (the condition holds), and fails after
     * {@code timeout} with {@code what} and the probe's last answer, a description of what is
     * still wrong (e.g. "37 of 200 pods ready").
     */
    public static void until(String what, Duration timeout, Supplier<String> probe) {
        Instant deadline = Instant.now().plus(timeout);
        String lastSeen;
        while ((lastSeen = probe.get()) != null) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + lastSeen);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
