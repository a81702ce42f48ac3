package dev.scorch.collector.budget;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The node-wide allowance of parse work per time window, shared by every object budget drawn on
 * it: a node full of distinct hostile (or merely large) files costs at most this much per window,
 * however many files there are. An object refused because the window is spent is not at fault
 * ({@link OverBudgetException#deferred()}) and is parsed again in a later window. Thread-safe.
 */
public final class TotalBudget {

    private final long readBytesPerWindow;
    private final long stepsPerWindow;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private long windowStart;
    private long read;
    private long steps;

    public TotalBudget(long readBytesPerWindow, long stepsPerWindow, Duration window, LongSupplier nanoTime) {
        this.readBytesPerWindow = readBytesPerWindow;
        this.stepsPerWindow = stepsPerWindow;
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    synchronized void read(String parser, long bytes) throws OverBudgetException {
        refill();
        read += bytes;
        if (read > readBytesPerWindow) {
            throw new OverBudgetException(parser, "total_read_bytes", read, readBytesPerWindow, true);
        }
    }

    synchronized void steps(String parser, long count) throws OverBudgetException {
        refill();
        steps += count;
        if (steps > stepsPerWindow) {
            throw new OverBudgetException(parser, "total_steps", steps, stepsPerWindow, true);
        }
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            read = 0;
            steps = 0;
        }
    }
}
