package dev.scorch.collector.symbol;

import dev.scorch.collector.process.ProcessSnapshot;

/**
 * Asks a runtime to write (or refresh) its {@code /tmp/perf-<nspid>.map} before the symbolizer
 * reads it: a JVM does so on request through its attach mechanism. Implementations rate-limit
 * and remember refusals themselves; a call may take as long as the runtime needs to answer.
 */
@FunctionalInterface
public interface PerfMapWriter {

    PerfMapWriter NONE = process -> {};

    void refresh(ProcessSnapshot process);
}
