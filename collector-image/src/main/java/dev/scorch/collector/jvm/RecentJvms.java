package dev.scorch.collector.jvm;

import dev.scorch.collector.process.ProcessSnapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JVMs symbolization rounds refreshed lately, by pid (bounded, least recent out), each with who
 * it is (pid and start time), so a pid the kernel handed to another process is never asked in its
 * name. Not thread-safe: the caller holds its lock, and does the reads of /proc in
 * {@link #stillRunning} outside it.
 */
final class RecentJvms {

    private static final int MAX_TRACKED = 4096;

    /** A JVM a round refreshed: the process as the round saw it, who it is and when. */
    record RecentJvm(ProcessSnapshot process, ProcProcesses.Identity identity, long refreshedAtNanos) {}

    private final ProcProcesses processes;
    private final long keepNanos;
    private final Map<Integer, RecentJvm> jvms = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, RecentJvm> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    RecentJvms(ProcProcesses processes, long keepNanos) {
        this.processes = processes;
        this.keepNanos = keepNanos;
    }

    /** A round refreshed {@code process} at {@code nowNanos}; who it is, is read once per process snapshot. */
    void refreshed(ProcessSnapshot process, long nowNanos) {
        RecentJvm known = jvms.get(process.pid());
        ProcProcesses.Identity identity = known != null && known.process() == process ? known.identity() : processes.identity(process.pid());
        if (identity != null) {
            jvms.put(process.pid(), new RecentJvm(process, identity, nowNanos));
        }
    }

    /** The JVMs refreshed within the keep time before {@code nowNanos}; the older ones are forgotten. */
    List<RecentJvm> within(long nowNanos) {
        jvms.values().removeIf(jvm -> nowNanos - jvm.refreshedAtNanos() > keepNanos);
        return List.copyOf(jvms.values());
    }

    /** Of {@code candidates}, the processes still running as the same process. */
    List<ProcessSnapshot> stillRunning(List<RecentJvm> candidates) {
        List<ProcessSnapshot> running = new ArrayList<>(candidates.size());
        for (RecentJvm jvm : candidates) {
            if (!jvm.process().exited() && processes.running(jvm.identity())) {
                running.add(jvm.process());
            }
        }
        return running;
    }
}
