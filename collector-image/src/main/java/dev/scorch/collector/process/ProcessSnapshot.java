package dev.scorch.collector.process;

import java.util.Optional;

/** What the symbolizer needs to know about one process, alive or recently exited. */
public interface ProcessSnapshot {

    /** Host pid. */
    int pid();

    /** Pid inside the process's own pid namespace (names {@code perf-<nspid>.map} in a container). */
    int namespacePid();

    /** The command name from COMM records or {@code /proc/<pid>/comm}. */
    String command();

    /** The mapping that holds {@code address}, if any. */
    Optional<Mapping> mappingAt(long address);

    /** {@link #mappingAt} without the {@code Optional}, for the unwinder's per-frame lookups: the mapping, or null. */
    default Mapping mappingContaining(long address) {
        return mappingAt(address).orElse(null);
    }

    /** Whether the process's {@code /proc/<pid>/maps} was refused as over its parse budget. */
    default boolean mapsRefused() {
        return false;
    }

    /** Whether the process has exited (its files may no longer be reachable through /proc). */
    boolean exited();
}
