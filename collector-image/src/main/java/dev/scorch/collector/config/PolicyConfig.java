package dev.scorch.collector.config;

import dev.scorch.collector.attribution.LabelSelector;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.trigger.TriggerRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One ProfilingPolicy's section of collector.json: where it applies, what it profiles, how it
 * samples and where its profiles go. New per-policy features add fields here (an older collector
 * ignores what it does not know).
 *
 * @param name the ProfilingPolicy's name
 * @param nodes which nodes the policy applies to, judged by each collector against its own Node
 * @param sampling how the policy wants the CPUs sampled
 * @param targets which processes of the node are profiled
 * @param export where and how often profiles are shipped
 * @param pull the Go pprof endpoints pulled from the selected pods; empty when none are
 * @param triggers the rules that capture profiles of a selected container; empty when none
 */
public record PolicyConfig(String name, Nodes nodes, Sampling sampling, Targets targets, Export export, Optional<Pull> pull,
        Optional<Triggers> triggers) {

    /** A policy without pull or triggers. */
    public PolicyConfig(String name, Nodes nodes, Sampling sampling, Targets targets, Export export) {
        this(name, nodes, sampling, targets, export, Optional.empty(), Optional.empty());
    }

    /**
     * @param types the types pulled from each pod that serves them
     * @param interval how often each pod is pulled; one delta covers one interval
     * @param timeout the longest one fetch may take
     * @param maxProfileBytes the largest response accepted
     * @param maxConcurrent this policy's fetches in flight at once on this node (every policy's
     *     fetches together are bounded lower, by the node's {@code pull.FetchBudget})
     */
    public record Pull(Set<GoProfileType> types, Duration interval, Duration timeout, long maxProfileBytes, int maxConcurrent) {

        public Pull {
            types = Set.copyOf(types);
        }
    }

    /**
     * @param checkInterval how often each selected container is checked
     * @param rules when to capture
     * @param capture how a capture samples
     */
    public record Triggers(Duration checkInterval, List<TriggerRule> rules, Capture capture) {

        public Triggers {
            rules = List.copyOf(rules);
        }
    }

    /**
     * @param duration how long a capture's CPU profile samples
     * @param frequencyHz samples per second per CPU during a capture
     * @param maxConcurrent captures at once on this node
     */
    public record Capture(Duration duration, int frequencyHz, int maxConcurrent) {}

    /**
     * @param selector node labels a node must carry; empty selects every node
     * @param tolerations the node taints (NoSchedule, NoExecute) the policy accepts
     */
    public record Nodes(LabelSelector selector, List<Toleration> tolerations) {

        /** What an absent {@code nodes} means: every node without a NoSchedule or NoExecute taint. */
        public static final Nodes EVERY_UNTAINTED_NODE = new Nodes(LabelSelector.EVERYTHING, List.of());

        public Nodes {
            tolerations = List.copyOf(tolerations);
        }
    }

    /**
     * A Kubernetes toleration, matched against the node's taints as the scheduler does.
     *
     * @param key taint key; empty with operator Exists tolerates every taint
     * @param operator Exists or Equal
     * @param value taint value for Equal
     * @param effect NoSchedule, PreferNoSchedule or NoExecute; empty tolerates every effect
     */
    public record Toleration(String key, String operator, String value, String effect) {}

    /**
     * @param frequencyHz samples per second per CPU, 1..1000
     * @param kernelStacks whether kernel frames are recorded
     * @param jvmSymbols whether HotSpot JVMs are asked, through their attach mechanism, to write
     *     their JIT symbols as a perf map (names Java methods without a flag in the application)
     */
    public record Sampling(int frequencyHz, boolean kernelStacks, boolean jvmSymbols) {

        public Sampling(int frequencyHz, boolean kernelStacks) {
            this(frequencyHz, kernelStacks, true);
        }
    }

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
     * @param spool this policy's on-disk queue, one subdirectory per backend
     * @param backends where profiles go; at least one, names unique within the policy
     */
    public record Export(Duration interval, Map<String, String> labels, Spool spool, List<BackendConfig> backends) {

        public Export {
            labels = Map.copyOf(labels);
            backends = List.copyOf(backends);
        }
    }

    /**
     * @param directory spool root of the policy; each backend spools into a subdirectory named after it
     * @param maxBytes bound of each backend's spool
     */
    public record Spool(Path directory, long maxBytes) {}
}
