package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.health.ConditionEvaluator;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.profile.SymbolizedStacks;
import dev.scorch.collector.trigger.CgroupStatsReader;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One policy served on this node: its target selection and labels, its stacks, its backends with
 * their own spools, its export interval and its own pod condition. Everything it samples comes
 * from the node's shared sampler; adding, changing or removing one policy touches no other.
 */
final class PolicyCollection {

    private static final System.Logger LOG = System.getLogger(PolicyCollection.class.getName());

    private final PolicyConfig config;
    private final NodeServices node;
    private final PodTargetResolver resolver;
    private final StackAggregator aggregator;
    private final List<ProfileExporter> exporters;
    private final ProfileCycle cycle;
    private final ConditionPublisher publisher;
    private final PolicyPulls pulls;
    private final PolicyTriggers triggers;
    private final IntervalGrid grid;
    /** The interval's stacks, drained with the other policies ending theirs now; null otherwise. */
    private Map<Target, List<AggregatedStack>> drainedAhead;
    private Instant intervalStart;

    private PolicyCollection(PolicyConfig config, NodeServices node) {
        this.config = config;
        this.node = node;
        this.resolver = new PodTargetResolver(node.containers(), node.pods(), node.namespaces(), config.targets(),
                config.export().labels(), node.node(), System::nanoTime);
        this.aggregator = new StackAggregator(resolver, node.sampling().stacks());
        ExporterFactory factory = new ExporterFactory(config.export().spool(), node.inMemoryProfiles());
        List<ProfileExporter> created = new ArrayList<>();
        // A backend that cannot work (bad address, unreadable CA) still gets an exporter whose health says why.
        config.export().backends().forEach(backend -> created.add(factory.create(backend)));
        this.exporters = List.copyOf(created);
        StackSource source = () -> {
            Map<Target, List<AggregatedStack>> ahead = drainedAhead;
            drainedAhead = null;
            if (ahead != null) {
                return ahead;
            }
            node.sampling().drain();
            return aggregator.drain();
        };
        this.cycle = new ProfileCycle(source, resolver, node.sampling().profiles(), exporters, node.sampling()::frequencyHz);
        String type = CollectingCondition.policyType(config.name());
        this.publisher = node.conditions().publisher(type);
        this.grid = IntervalGrid.ofNode(node.node());
        this.intervalStart = node.clock().instant();
        this.pulls = config.pull().map(pull -> new PolicyPulls(config.name(), pull, resolver::selectedPods, this::labelsOf, exporters, node.fetchedProfiles()))
                .orElse(null);
        this.triggers = config.triggers().flatMap(t -> node.sampling().cgroupMount().flatMap(mount -> cgroupStats().map(stats ->
                new PolicyTriggers(config.name(), t, resolver::selectedPods, this::labelsOf, exporters, new PodCgroupDirectories(mount),
                        stats, node.sampling().symbolizer(), node.clock(), podUid -> pulls == null ? null : pulls.puller(podUid),
                        node.fetchedProfiles())))).orElse(null);
    }

    private static Optional<CgroupStatsReader> cgroupStats() {
        try {
            return Optional.of(CgroupStatsReader.ofThisHost());
        } catch (java.io.IOException e) {
            LOG.log(Level.WARNING, "cannot read this host''s cgroup mounts (/proc/self/mounts), so no trigger can be checked: {0}",
                    e.getMessage());
            return Optional.empty();
        }
    }

    private java.util.SortedMap<String, String> labelsOf(PodInfo pod, String container) {
        return resolver.containerTarget(pod, container).labels();
    }

    /** Starts serving {@code config}: its exporters open now, its samples arrive once the node routes them here. */
    static PolicyCollection start(PolicyConfig config, NodeServices node) {
        PolicyCollection policy = new PolicyCollection(config, node);
        if (policy.pulls != null) {
            policy.pulls.start();
        }
        if (policy.triggers != null) {
            policy.triggers.start();
        } else if (config.triggers().isPresent()) {
            LOG.log(Level.WARNING, "node {0}: policy {1} has triggers, but this host has no cgroup2 mount to find containers in;"
                    + " no captures here", node.node(), config.name());
        }
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

    /** When the interval in progress ends: on the node's grid, where other policies' intervals end too. */
    Instant intervalEnd() {
        return grid.next(intervalStart, config.export().interval());
    }

    /** Takes the interval's stacks now, for the {@link #finishInterval(Instant, SymbolizedStacks, OfferRound)} that follows. */
    synchronized void drainAhead() {
        drainedAhead = aggregator.drain();
    }

    /** The processes of the stacks taken by {@link #drainAhead()}, which the round that resolves them asks its JVMs at its start. */
    synchronized Set<Integer> drainedPids() {
        Set<Integer> pids = new HashSet<>();
        if (drainedAhead != null) {
            drainedAhead.values().forEach(stacks -> stacks.forEach(stack -> pids.add(stack.pid())));
        }
        return pids;
    }

    /** Ends the interval in progress at {@code end} on its own; see {@link #finishInterval(Instant, SymbolizedStacks, OfferRound)}. */
    void finishInterval(Instant end) {
        node.sampling().drain();
        drainAhead();
        OfferRound offers = new OfferRound();
        try {
            finishInterval(end, node.sampling().profiles().round(drainedPids()), offers);
        } finally {
            offers.commit();
        }
    }

    /**
     * Ends the interval in progress at {@code end}: one profile per target to every backend of the policy.
     *
     * @param round where the stacks are resolved, shared with the other policies ending their interval now
     * @param offers where the profiles are offered, committed by the caller once every policy of the round has offered
     */
    synchronized void finishInterval(Instant end, SymbolizedStacks round, OfferRound offers) {
        cycle.finish(intervalStart, end, round, offers);
        intervalStart = end;
    }

    /** Evaluates the policy's condition from its state and the node's; the node's flush writes it when due. */
    void publish(Optional<CollectorState.Failure> nodeFailure, Optional<String> podWatchFailure) {
        CollectorState state = state(nodeFailure, podWatchFailure);
        ConditionEvaluator.Verdict verdict = ConditionEvaluator.evaluate(state, node.clock().instant());
        publisher.update(new ConditionEvaluator.Verdict(verdict.reason(), verdict.message()
                + PullAndCaptureNotes.of(pulls == null ? List.of() : pulls.problems(), triggers == null ? 0 : triggers.captures().captured(),
                        triggers == null ? null : triggers.captures().last())), state.lastExport().orElse(null));
    }

    /** The counters of the policy's pulls and captures. */
    PullAndCaptureCounts pullsAndCaptures() {
        return new PullAndCaptureCounts(pulls, triggers);
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

    /** Ends pulls and captures before the backends close, so nothing is offered to a closed backend. */
    void stopPullsAndTriggers() {
        if (pulls != null) {
            pulls.close();
        }
        if (triggers != null) {
            triggers.close();
        }
    }

    /** Shutdown began: the backends start no new send (see {@link ProfileExporter#stopSending}). */
    void stopSending() {
        exporters.forEach(ProfileExporter::stopSending);
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
}
