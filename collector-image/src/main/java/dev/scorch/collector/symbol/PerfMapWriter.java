package dev.scorch.collector.symbol;

import dev.scorch.collector.process.ProcessSnapshot;

/**
 * Asks a runtime to write (or refresh) its {@code /tmp/perf-<nspid>.map} before the symbolizer
 * reads it: a JVM does so on request through its attach mechanism. Implementations rate-limit
 * and remember refusals themselves, and bound how long one symbolization round waits for answers
 * ({@link #beginRound()}).
 */
@FunctionalInterface
public interface PerfMapWriter {

    PerfMapWriter NONE = process -> {};

    void refresh(ProcessSnapshot process);

    /** A symbolization round starts on the calling thread: the refreshes it asks for share one bound on waiting. */
    default void beginRound() {}
}
