package dev.scorch.collector.process;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One copy of each mapped file's path and command name the process table holds, shared by every
 * process that maps or runs it. MMAP2 and COMM records and {@code /proc} reads decode a new string
 * for each process: under churn the same few libraries' paths were held once per process, about
 * half of the table's 8.5 MiB in bench/burst.sh.
 *
 * <p>Names no process holds any more are dropped when the table is drained
 * ({@link #keepOnly(Consumer)}), so the names follow the table's bound, not the node's history.
 */
final class SharedNames {

    private volatile Map<String, String> names = new ConcurrentHashMap<>();

    /** The shared copy of {@code name}. */
    String of(String name) {
        String shared = names.putIfAbsent(name, name);
        return shared != null ? shared : name;
    }

    /** {@code mapping} with the shared copy of its path. */
    Mapping of(Mapping mapping) {
        String path = of(mapping.path());
        return path == mapping.path() ? mapping
                : new Mapping(mapping.start(), mapping.limit(), mapping.fileOffset(), path, mapping.inode(), mapping.executable());
    }

    /**
     * Keeps the names {@code inUse} hands over and drops every other. A name added meanwhile by
     * another thread may end up held twice, which costs memory until the next drain, never correctness.
     */
    void keepOnly(Consumer<Consumer<String>> inUse) {
        Map<String, String> kept = new ConcurrentHashMap<>();
        inUse.accept(name -> kept.putIfAbsent(name, name));
        names = kept;
    }

    int size() {
        return names.size();
    }
}
