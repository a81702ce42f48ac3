package dev.scorch.collector.jvm;

import dev.scorch.collector.process.ProcessSnapshot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What became of the JIT map requests: counts for metrics, and per JVM (by pid, bounded, least
 * recent out) whether it refused for good, was late, or missed requests in a row. Thread-safe.
 */
final class JitMapOutcomes {

    private static final int MAX_TRACKED = 4096;

    private final Map<Integer, String> lateJvms = tracked();
    private final Map<Integer, String> refused = tracked();
    /** Requests in a row each JVM did not answer in time. */
    private final Map<Integer, Integer> misses = tracked();
    private final Map<String, Long> refusals = new TreeMap<>();
    private long sent;
    private long written;
    private long late;
    private long unanswered;

    private static <V> Map<Integer, V> tracked() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, V> eldest) {
                return size() > MAX_TRACKED;
            }
        };
    }

    synchronized void sent() {
        sent++;
    }

    /** The JVM wrote its map: its misses in a row end. */
    synchronized void written(int pid) {
        written++;
        misses.remove(pid);
    }

    /** A round went on without the JVM's answer. */
    synchronized void late(ProcessSnapshot process) {
        late++;
        lateJvms.put(process.pid(), name(process));
    }

    /** The JVM did not answer within the attach timeout; returns its misses in a row, this one included. */
    synchronized int missed(int pid) {
        unanswered++;
        return misses.merge(pid, 1, Integer::sum);
    }

    /** Requests in a row the JVM has not answered in time. */
    synchronized int misses(int pid) {
        return misses.getOrDefault(pid, 0);
    }

    /** The JVM refused for good: never asked again. */
    synchronized void refused(ProcessSnapshot process, String reason) {
        refused.put(process.pid(), name(process) + ": " + reason);
        refusals.merge(reason, 1L, Long::sum);
    }

    synchronized boolean hasRefused(int pid) {
        return refused.containsKey(pid);
    }

    synchronized long sentCount() {
        return sent;
    }

    synchronized long writtenCount() {
        return written;
    }

    synchronized long lateCount() {
        return late;
    }

    synchronized long unansweredCount() {
        return unanswered;
    }

    synchronized List<String> lateJvms() {
        return List.copyOf(lateJvms.values());
    }

    synchronized Map<String, Long> refusals() {
        return new TreeMap<>(refusals);
    }

    synchronized List<String> refusedJvms() {
        return List.copyOf(refused.values());
    }

    private static String name(ProcessSnapshot process) {
        return process.command() + " (pid " + process.pid() + ")";
    }
}
