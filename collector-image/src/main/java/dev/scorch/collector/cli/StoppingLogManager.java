package dev.scorch.collector.cli;

import java.util.logging.LogManager;

/**
 * The {@code run} mode's java.util.logging manager: it keeps its handlers while the JVM shuts down,
 * until the collector has stopped. The JDK's own manager closes every handler from a shutdown hook
 * of its own, which runs at the same time as the collector's, so the lines the collector logs while
 * it stops (policies stopped, backends that did not close cleanly, "stopped") were lost. Chosen
 * through the {@code java.util.logging.manager} property before anything logs ({@link RunCommand}).
 */
public final class StoppingLogManager extends LogManager {

    /** Closes (and so flushes) every handler: the reset the JDK's shutdown hook was refused. Call last. */
    static void closeHandlers() {
        if (LogManager.getLogManager() instanceof StoppingLogManager manager) {
            manager.resetNow();
        }
    }

    /** Resets as the JDK's does, except while the JVM shuts down: then {@link #closeHandlers()} does it. */
    @Override
    public void reset() {
        if (!shuttingDown()) {
            super.reset();
        }
    }

    private void resetNow() {
        super.reset();
    }

    /** Whether the JVM is running its shutdown hooks: it refuses new ones then. */
    private static boolean shuttingDown() {
        Thread probe = Thread.ofPlatform().unstarted(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
