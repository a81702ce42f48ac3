package dev.scorch.collector.run;

import dev.scorch.collector.config.RunConfig;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.collector.pull.FetchBudget;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.collector.health.HealthServer;
import dev.scorch.collector.health.PodConditions;
import dev.scorch.collector.health.NodeConditionEvaluator;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.NodeCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.WorkloadResolver;
import dev.scorch.collector.profile.ResolutionDeadline;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The collector of one node: one process serving every policy whose placement admits this node,
 * with one sampler, one process table, one symbolizer and one pod watch. This class is the
 * lifecycle: it starts the shared parts, follows collector.json and the node's labels to decide
 * which policies it serves ({@link ServedPolicies}), runs the interval loop, and stops.
 *
 * <p>When it cannot collect (unreadable config, no perf, old kernel) it keeps running, so the
 * reason shows on the pod and in the policies' status instead of a crash loop.
 *
 * <p>It runs past 250 lines as one piece: start, loop and stop share its state (the stop sets the
 * flush deadline the loop's round sees, waits for the loop, then flushes what the loop served).
 */
public final class NodeCollector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeCollector.class.getName());

    /** How often collector.json, the node's labels and the sampling scope are checked for changes. */
    static final Duration CHECK = Duration.ofSeconds(5);

    /**
     * How long {@link #close} may take from SIGTERM: well inside a pod's default 30 s termination
     * grace, leaving the JVM room to exit before the kubelet's SIGKILL.
     */
    public static final Duration STOP_BOUND = Duration.ofSeconds(20);

    /**
     * How long after SIGTERM the interval the loop is building and the final flush may resolve
     * stacks: past it a stack not resolved yet is left out and counted, so both end within
     * {@link #STOP_BOUND} under any load, leaving the spool's commit and the backends' close the rest.
     */
    static final Duration FLUSH_BOUND = Duration.ofSeconds(10);

    /**
     * Who this collector is, from the downward API.
     *
     * @param node {@code SCORCH_NODE_NAME}
     * @param podNamespace {@code SCORCH_POD_NAMESPACE}, null outside a pod (no condition is written)
     * @param podName {@code SCORCH_POD_NAME}, null outside a pod
     */
    public record Identity(String node, String podNamespace, String podName) {}

    private final Identity identity;
    private final ConfigFile configFile;
    private final NodeServices services;
    private final NodeCache nodeCache = new NodeCache();
    private final ServedPolicies policies;
    private final ConditionPublisher nodeCondition;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch loopDone = new CountDownLatch(1);
    private volatile boolean looping;
    private volatile NodeWatches watches;
    private RunConfig config;
    /** ConfigInvalid while no usable collector.json has been read since the start. */
    private Optional<CollectorState.Failure> configFailure = Optional.empty();
    private Optional<String> configProblem = Optional.empty();
    private HealthServer health;

    private NodeCollector(Identity identity, ConfigFile configFile, NodeServices services) {
        this.identity = identity;
        this.configFile = configFile;
        this.services = services;
        this.policies = new ServedPolicies(services);
        this.nodeCondition = services.conditions().publisher(CollectingCondition.TYPE);
    }

    /**
     * Starts collecting with the collector.json at {@code configFile} and follows its changes. An
     * unusable file is reported (ConfigInvalid), not thrown, and read again until it is usable;
     * only a health port that cannot be bound is thrown.
     */
    public static NodeCollector start(Path configFile, Identity identity, ApiServer api, Clock clock) throws IOException {
        ConfigFile file = new ConfigFile(configFile);
        ConfigFile.Read first = file.changed().orElseThrow();
        RunConfig.Health settings = first.health();
        PodCache pods = new PodCache(new WorkloadResolver(api)::workloadOf);
        NodeSampling sampling = NodeSampling.ofThisHost(identity.node());
        NodeServices services = new NodeServices(identity.node(), pods, new NamespaceCache(), sampling,
                new ProcessContainers(sampling.processes()::cgroup, System::nanoTime),
                new PodConditions(OwnPodStatus.writer(identity, api), clock, settings.statusUpdateInterval()), clock,
                DeliverySettings.memoryBudget(DeliverySettings.DEFAULT_MEMORY_BYTES),
                FetchBudget.forHeap(Runtime.getRuntime().maxMemory()));
        NodeCollector collector = new NodeCollector(identity, file, services);
        collector.resources.add(services.sampling());
        collector.health = NodeEndpoints.start(settings.port(), services.sampling(), collector.policies::all,
                () -> collector.watches == null ? null : collector.watches.pods(), pods::size, collector.nodeCondition::current);
        collector.resources.add(collector.health);
        LOG.log(Level.INFO, "node {0}: health endpoints on port {1}", identity.node(), Integer.toString(collector.health.port()));
        collector.watches = NodeWatches.start(api, identity.node(), services, collector.nodeCache);
        collector.resources.add(collector.watches);
        collector.apply(first);
        collector.publish();
        return collector;
    }

    /** Takes a read of collector.json: a usable one replaces the configuration, an unusable one is reported. */
    private void apply(ConfigFile.Read read) {
        if (read.config() == null) {
            LOG.log(Level.ERROR, "node {0}: {1}", identity.node(), read.error().getMessage());
            if (config == null) {
                configFailure = Optional.of(new CollectorState.Failure(CollectingReason.ConfigInvalid, read.error().getMessage()));
            } else {
                configProblem = Optional.of(read.error().getMessage());
            }
            return;
        }
        if (config == null) {
            services.sampling().handOverJitMapAnswersThrough(read.config().spoolRoot());
        }
        configFailure = Optional.empty();
        configProblem = Optional.empty();
        if (config != null && !config.health().equals(read.config().health())) {
            LOG.log(Level.WARNING, "node {0}: collector.json changed health settings; they take effect when the collector restarts",
                    identity.node());
        }
        config = read.config();
        for (RunConfig.InvalidPolicy invalid : config.invalidPolicies()) {
            LOG.log(Level.ERROR, "node {0}: policy {1} not served: {2}", identity.node(), invalid.name(), invalid.message());
        }
        policies.follow(config, nodeCache.node());
    }

    /** Ends each policy's export intervals on time until {@link #close()}; call from one thread. */
    public void runUntilClosed() {
        looping = true;
        try {
            while (stopped.getCount() > 0) {
                Instant now = services.clock().instant();
                Instant wake = policies.nextDue(now, now.plus(CHECK), failure(), podWatchFailure());
                if (stopped.await(Math.max(0, Duration.between(now, wake).toMillis()), TimeUnit.MILLISECONDS)) {
                    return;
                }
                tick();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loopDone.countDown();
        }
    }

    /** One pass of the loop: follow collector.json and the node, end due intervals, rescope, report. */
    private synchronized void tick() {
        configFile.changed().ifPresent(this::apply);
        policies.follow(config, nodeCache.node());
        policies.finishDue(services.clock().instant());
        publish();
    }

    private void publish() {
        Optional<CollectorState.Failure> failure = failure();
        Map<String, CollectingCondition> conditions = policies.publish(failure, podWatchFailure());
        nodeCondition.update(NodeConditionEvaluator.evaluate(identity.node(), failure, configProblem, conditions),
                policies.lastExport().orElse(null));
        services.conditions().flush();
    }

    /** Why this node cannot collect at all: no usable collector.json yet, or no sampling. */
    private Optional<CollectorState.Failure> failure() {
        return configFailure.or(() -> services.sampling().failure());
    }

    private Optional<String> podWatchFailure() {
        NodeWatches current = watches;
        return current == null ? Optional.empty() : current.podsFailure();
    }

    /**
     * The threads closing backends and resources now (virtual threads, each named after what it
     * closes), for the log line of a forced exit.
     */
    public List<Thread> closingThreads() {
        return ParallelClose.running();
    }

    /** The port the health endpoints listen on. */
    public int healthPort() {
        return health.port();
    }

    /** The node's own condition as last evaluated. */
    CollectingCondition condition() {
        return nodeCondition.current();
    }

    /** The policy {@code name} as served now, null when it is not. */
    PolicyCollection served(String name) {
        return policies.all().stream().filter(p -> p.config().name().equals(name)).findFirst().orElse(null);
    }

    /** Samples the stop left out of its last profiles, past its flush deadline. */
    long samplesCutAtStop() {
        return services.sampling().profiles().deadline().cutSamples();
    }

    /** The frequency the node samples at now. */
    int frequencyHz() {
        return services.sampling().frequencyHz();
    }

    /** The names of the policies served now. */
    List<String> servedPolicies() {
        return policies.all().stream().map(p -> p.config().name()).toList();
    }

    /**
     * Stops within {@link #STOP_BOUND} of the call: no backend starts a new send from here, and a
     * send in flight is cut and marked possibly delivered after its grace; each policy's interval
     * in progress is exported (it waits in the spool), its stacks resolved until
     * {@link #FLUSH_BOUND} (what is left then is counted and logged, not exported); then the
     * backends, sampling, the health endpoints and the watches close side by side.
     */
    @Override
    public void close() {
        close(FLUSH_BOUND);
    }

    /** {@link #close()} with the stacks of the last intervals resolved until {@code flushBound} from now. */
    void close(Duration flushBound) {
        long deadline = System.nanoTime() + STOP_BOUND.toNanos();
        ResolutionDeadline flush = services.sampling().profiles().deadline();
        flush.at(System.nanoTime() + flushBound.toNanos());
        LOG.log(Level.INFO, "node {0}: stopping within {1} s; no new send starts, sends in flight are cut after their grace",
                identity.node(), Long.toString(STOP_BOUND.toSeconds()));
        stopped.countDown();
        policies.stopSending();
        // From here Java frames are named from the JIT maps at hand, so neither the loop's interval
        // in progress nor the final flush waits on JVMs that may be stopping too.
        services.sampling().stopAskingJvms();
        try {
            // The loop may be mid-interval (building profiles); let it finish before the final flush.
            if (looping) {
                loopDone.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            policies.closeAll(deadline);
        }
        if (flush.cutStacks() > 0) {
            LOG.log(Level.WARNING, "node {0}: {1} stacks ({2} samples, counted once per policy profile that held them) were still to be"
                    + " symbolized {3} s after SIGTERM; they are not exported, so the stop ends in time",
                    identity.node(), Long.toString(flush.cutStacks()), Long.toString(flush.cutSamples()),
                    Long.toString(flushBound.toSeconds()));
        }
        List<ParallelClose.Task> closing = new ArrayList<>();
        for (AutoCloseable resource : resources.reversed()) {
            closing.add(new ParallelClose.Task(resource.getClass().getSimpleName(), () -> {
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "while stopping: {0}", e.toString());
                }
            }));
        }
        ParallelClose.run(closing, ParallelClose.until(deadline));
        LOG.log(Level.INFO, "node {0}: stopped", identity.node());
    }
}
