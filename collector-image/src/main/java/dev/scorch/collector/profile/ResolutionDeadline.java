package dev.scorch.collector.profile;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A moment past which symbolization rounds resolve no stack they have not resolved already: the
 * collector's stop sets it so that the interval the loop is building and the final flush end
 * within the stop's deadline however loaded the host is. A stack left out is not exported; it and
 * its samples are counted (once per profile that held it). Thread-safe.
 */
public final class ResolutionDeadline {

    private volatile long atNanos;
    private volatile boolean set;
    private final AtomicLong cutStacks = new AtomicLong();
    private final AtomicLong cutSamples = new AtomicLong();

    /** From {@code nanoTime} ({@link System#nanoTime}) on, no new stack is resolved, in the rounds under way too. */
    public void at(long nanoTime) {
        atNanos = nanoTime;
        set = true;
    }

    boolean passed() {
        return set && System.nanoTime() - atNanos >= 0;
    }

    void cut(AggregatedStack stack) {
        cutStacks.incrementAndGet();
        cutSamples.addAndGet(stack.count());
    }

    /** Stacks left out of profiles because the deadline had passed. */
    public long cutStacks() {
        return cutStacks.get();
    }

    /** Their samples. */
    public long cutSamples() {
        return cutSamples.get();
    }
}
