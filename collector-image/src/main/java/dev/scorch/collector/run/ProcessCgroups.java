package dev.scorch.collector.run;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Each pid's {@code /proc/<pid>/cgroup}, read at most once however many policies ask: with
 * twenty policies and hundreds of short-lived processes a second, reading it per policy would
 * multiply the collector's /proc reads by twenty.
 */
final class ProcessCgroups {

    private final IntFunction<Optional<String>> reader;
    private final Map<Integer, Optional<String>> byPid = new ConcurrentHashMap<>();

    ProcessCgroups(IntFunction<Optional<String>> reader) {
        this.reader = reader;
    }

    Optional<String> read(int pid) {
        return byPid.computeIfAbsent(pid, reader::apply);
    }

    /** The process is gone (and every policy has built the profiles that saw it). */
    void forget(int pid) {
        byPid.remove(pid);
    }

    int size() {
        return byPid.size();
    }
}
