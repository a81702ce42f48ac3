package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackAggregator;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One policy served on this node: its target selection and labels, its stacks, its backends with
 * their own spools, its export interval and its own pod condition. Everything it samples comes
 * from the node's shared sampler; adding, changing or removing one policy touches no other.
 */
final class PolicyCollection implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PolicyCollection.class.getName());

    private final PolicyConfig config;
    private final NodeServices node;
    private final PodTargetResolver resolver;
    private final StackAggregator aggregator;
    private final List<ProfileExporter> exporters;
    private final ProfileCycle cycle;
    private final ConditionPublisher publisher;
    private Instant intervalStart;

    private PolicyCollection(PolicyConfig config, NodeServices node) {
        this.config = config;
        this.node = node;
        this.resolver = new PodTargetResolver(node.cgroups()::read, node.pods(), node.namespaces(), config.targets(),
                config.export().labels(), node.node(), System::nanoTime);
        this.aggregator = new StackAggregator(resolver, node.sampling().stacks());
        ExporterFactory factory = new ExporterFactory(config.export().spool());
        List<ProfileExporter> created = new ArrayList<>();
        // A backend that cannot work (bad address, unreadable CA) still gets an exporter whose health says why.
        config.export().backends().forEach(backend -> created.add(factory.create(backend)));
        this.exporters = List.copyOf(created);
        StackSource source = () -> {
            node.sampling().drain();
            return aggregator.drain();
        };
        this.cycle = new ProfileCycle(source, resolver, new CpuProfileBuilder(node.sampling().symbolizer(), node.sampling().processes()),
                exporters, node.sampling()::frequencyHz);
        String type = CollectingCondition.policyType(config.name());
        this.publisher = new ConditionPublisher(type, node.conditions().writer(type), node.clock(), node.statusUpdateInterval());
        this.intervalStart = node.clock().instant();
    }

    /** Starts serving {@code config}: its exporters open now, its samples arrive once the node routes them here. */
    static PolicyCollection start(PolicyConfig config, NodeServices node) {
        PolicyCollection policy = new PolicyCollection(config, node);
        LOG.log(Level.INFO, "node {0}: serving policy {1} (asks {2} Hz), exporting every {3} s to {4}", node.node(), config.name(),
                Integer.toString(config.sampling().frequencyHz()), Long.toString(config.export().interval().toSeconds()),
                policy.exporters.stream().map(ProfileExporter::backendName).toList());
        return policy;
    }

    PolicyConfig config() {
        return config;
    }

    StackAggregator aggregator() {
        return aggregator;
    }

    /** The pods of this node the policy selects now. */
    List<PodInfo> selectedPods() {
        return resolver.selectedPods();
    }

    /** When the interval in progress ends. */
    Instant intervalEnd() {
        return intervalStart.plus(config.export().interval());
    }

    /** Ends the interval in progress at {@code end}: one profile per target to every backend of the policy. */
    synchronized void finishInterval(Instant end) {
        cycle.finish(intervalStart, end);
        intervalStart = end;
    }

    /** The process is gone and every policy has exported the intervals that saw it. */
    void forget(int pid) {
        resolver.forget(pid);
    }

    /** Evaluates the policy's condition from its state and the node's, and writes it when due. */
    void publish(Optional<CollectorState.Failure> nodeFailure, Optional<String> podWatchFailure) {
        publisher.update(state(nodeFailure, podWatchFailure));
    }

    CollectorState state(Optional<CollectorState.Failure> nodeFailure, Optional<String> podWatchFailure) {
        return new CollectorState(node.node(), config.name(), nodeFailure, cycle.intervals(), resolver.selectedTargets(),
                config.export().interval(), backends(), podWatchFailure);
    }

    /** The condition as last evaluated, null before the first. */
    CollectingCondition condition() {
        return publisher.current();
    }

    List<BackendHealth> backends() {
        return exporters.stream().map(ProfileExporter::health).toList();
    }

    long unselectedSamples() {
        return aggregator.unselected();
    }

    long unattributedSamples() {
        return cycle.unattributedSamples();
    }

    long profiles() {
        return cycle.profiles();
    }

    long failedProfiles() {
        return cycle.failedProfiles();
    }

    /**
     * Stops serving the policy: the interval in progress is exported (nothing sampled so far is
     * lost), then its backends flush and close.
     */
    @Override
    public void close() {
        finishInterval(node.clock().instant());
        ParallelClose.run(closeBackends(), ParallelClose.BOUND);
        stopped();
    }

    void stopped() {
        LOG.log(Level.INFO, "node {0}: stopped serving policy {1}", node.node(), config.name());
    }

    /**
     * What closing the policy's backends takes, one task per backend for {@link ParallelClose}; the
     * caller has finished the interval in progress first.
     */
    List<ParallelClose.Task> closeBackends() {
        List<ParallelClose.Task> tasks = new ArrayList<>();
        for (ProfileExporter exporter : exporters) {
            tasks.add(new ParallelClose.Task(config.name() + "/" + exporter.backendName(), () -> {
                try {
                    exporter.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "policy {0}: backend {1} did not close cleanly: {2}", config.name(), exporter.backendName(),
                            e.getMessage());
                }
            }));
        }
        return tasks;
    }

    /** Closes and takes the policy's condition off this pod: the policy is no longer served here. */
    void closeAndRemoveCondition() {
        close();
        node.conditions().remove(CollectingCondition.policyType(config.name()));
    }
}
