package dev.scorch.collector.process;

import java.util.Optional;

/** Finds the process table's view of a pid; implemented by the process table. */
@FunctionalInterface
public interface ProcessLookup {

    Optional<ProcessSnapshot> process(int pid);
}
