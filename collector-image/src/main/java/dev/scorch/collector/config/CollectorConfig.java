package dev.scorch.collector.config;

import dev.scorch.collector.attribution.LabelSelector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * collector.json as the operator renders it from a ProfilingPolicy (docs/contracts.md).
 *
 * @param policy the ProfilingPolicy's name
 * @param sampling how the CPUs are sampled
 * @param targets which processes of the node are profiled
 * @param export where and how often profiles are shipped
 * @param health the collector's endpoints and pod condition
 */
public record CollectorConfig(String policy, Sampling sampling, Targets targets, Export export, Health health) {

    /**
     * @param frequencyHz samples per second per CPU, 1..1000
     * @param kernelStacks whether kernel frames are recorded
     */
    public record Sampling(int frequencyHz, boolean kernelStacks) {}

    /**
     * @param namespaceSelector selects namespaces by their labels; empty selects all
     * @param podSelector selects pods by their labels; empty selects all
     * @param hostProcesses whether processes outside any pod are profiled
     */
    public record Targets(LabelSelector namespaceSelector, LabelSelector podSelector, boolean hostProcesses) {

        /** What an absent {@code targets} means: every pod, no host processes. */
        public static final Targets EVERY_POD = new Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, false);
    }

    /**
     * @param interval how often each target's profile is cut and shipped
     * @param labels labels added to every profile
     * @param spool the on-disk queue every backend has
     * @param backends where profiles go; at least one, names unique
     */
    public record Export(Duration interval, Map<String, String> labels, Spool spool, List<BackendConfig> backends) {

        public Export {
            labels = Map.copyOf(labels);
            backends = List.copyOf(backends);
        }
    }

    /**
     * @param directory spool root; each backend spools into a subdirectory named after it
     * @param maxBytes bound of each backend's spool
     */
    public record Spool(Path directory, long maxBytes) {}

    /**
     * @param port port of /readyz, /healthz and /metrics
     * @param statusUpdateInterval the longest the pod condition goes unwritten when nothing changes
     */
    public record Health(int port, Duration statusUpdateInterval) {}
}
