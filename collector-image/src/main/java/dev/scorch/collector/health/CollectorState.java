package dev.scorch.collector.health;

import dev.scorch.collector.export.BackendHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the collector knows about itself at one moment, from which the condition follows.
 *
 * @param node this node's name
 * @param policy the ProfilingPolicy's name
 * @param failure a start-up failure that stops collection: ConfigInvalid, PerfUnavailable or
 *     KernelUnsupported with its message; empty while sampling runs
 * @param intervalsExported export intervals completed so far
 * @param selectedTargets pods (and the host, with hostProcesses) on this node the policy selects
 * @param exportInterval the configured export interval
 * @param backends each backend's delivery health
 * @param podWatchFailure while the watch of this node's pods fails: since when and its last error
 */
public record CollectorState(String node, String policy, Optional<Failure> failure, long intervalsExported, int selectedTargets,
        Duration exportInterval, List<BackendHealth> backends, Optional<String> podWatchFailure) {

    public CollectorState {
        backends = List.copyOf(backends);
    }

    /** A state with a working (or no) pod watch. */
    public CollectorState(String node, String policy, Optional<Failure> failure, long intervalsExported, int selectedTargets,
            Duration exportInterval, List<BackendHealth> backends) {
        this(node, policy, failure, intervalsExported, selectedTargets, exportInterval, backends, Optional.empty());
    }

    /**
     * @param reason ConfigInvalid, PerfUnavailable or KernelUnsupported
     * @param message what is wrong and what to do
     */
    public record Failure(CollectingReason reason, String message) {}

    /** The last successful export to any backend. */
    public Optional<Instant> lastExport() {
        return backends.stream().map(BackendHealth::lastSuccess).filter(t -> t != null).max(Instant::compareTo);
    }
}
