package dev.scorch.collector.run;

import dev.scorch.collector.process.ProcessTable;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides when the node may forget exited processes: only once every policy served has built the
 * profiles that may hold their samples. Policies end their intervals at different moments, so a
 * round ends when each has finished one interval; a process that exited during a round whose
 * finishes were spread over time is kept one round more.
 */
final class ExitedProcesses {

    private final ProcessTable processes;
    private final Set<String> finished = new HashSet<>();
    private Instant firstFinish;
    private boolean spread;

    ExitedProcesses(ProcessTable processes) {
        this.processes = processes;
    }

    /** {@code policy} built its profiles at {@code at}. */
    void finished(String policy, Instant at) {
        if (firstFinish == null) {
            firstFinish = at;
        } else if (!firstFinish.equals(at)) {
            spread = true;
        }
        finished.add(policy);
    }

    /**
     * Ends the round when every policy in {@code serving} has finished an interval in it; returns
     * the pids forgotten, which every policy's resolver must forget too.
     */
    List<Integer> retire(Set<String> serving) {
        if (!finished.containsAll(serving)) {
            return List.of();
        }
        List<Integer> forgotten = spread ? processes.intervalDrainedKeepingLatestExits() : processes.intervalDrained();
        finished.clear();
        firstFinish = null;
        spread = false;
        return forgotten;
    }
}
