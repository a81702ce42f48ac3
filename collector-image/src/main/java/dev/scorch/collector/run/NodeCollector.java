package dev.scorch.collector.run;

import dev.scorch.collector.config.CollectorConfig;
import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.CollectorMetrics;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.health.ConditionEvaluator;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.collector.health.ConditionWriter;
import dev.scorch.collector.health.HealthServer;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.ListWatch;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.kubernetes.PodStatusPatcher;
import dev.scorch.collector.kubernetes.WatchHealth;
import dev.scorch.collector.kubernetes.WorkloadResolver;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.sampling.SamplingProblem;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.attribution.Target;
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
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The collector of one node in the DaemonSet: samples every CPU, attributes stacks to this node's
 * pods, ships one profile per target every export interval, and reports its health on its
 * endpoints and its pod's {@code scorch.dev/Collecting} condition.
 *
 * <p>When it cannot collect (bad config, no perf, old kernel) it keeps running, so the reason
 * shows on the pod and in the policy status instead of a crash loop.
 */
public final class NodeCollector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeCollector.class.getName());

    /** Distinct stacks held per interval; past it stacks fold into their process (counts stay exact). */
    static final int MAX_STACKS = 200_000;

    /** How often the sampling scope follows pod changes between interval ends (a new pod's samples are lost until then). */
    static final Duration SCOPE_CHECK = Duration.ofSeconds(5);

    /** The first pod list must arrive within this before sampling starts anyway (pending stacks wait). */
    static final Duration WATCH_SYNC_WAIT = Duration.ofSeconds(30);

    /**
     * Who this collector is, from the downward API.
     *
     * @param node {@code SCORCH_NODE_NAME}
     * @param podNamespace {@code SCORCH_POD_NAMESPACE}, null outside a pod (no condition is written)
     * @param podName {@code SCORCH_POD_NAME}, null outside a pod
     */
    public record Identity(String node, String podNamespace, String podName) {}

    private final Identity identity;
    private final Clock clock;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch loopDone = new CountDownLatch(1);
    private volatile boolean looping;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<ProfileExporter> exporters = new ArrayList<>();
    private final String policy;
    private final Duration interval;
    private ConditionPublisher publisher;
    private Optional<CollectorState.Failure> failure = Optional.empty();
    private volatile Sampler sampler;
    private volatile SamplingScope scope;
    /** Samples and lost records of samplers closed when the scope changed, so the counters keep growing. */
    private long closedSamples;
    private long closedLost;
    private SamplerOptions baseOptions;
    private CollectorConfig.Targets targets;
    private Optional<Path> cgroupMount = Optional.empty();
    private PodCgroupDirectories podCgroups;
    private StackAggregator aggregator;
    private ProcessTable processes;
    private PodTargetResolver resolver;
    private ProfileCycle cycle;
    private Symbolizer symbolizer;
    private PodCache pods;
    private volatile ListWatch podWatch;
    private HealthServer health;
    private Instant intervalStart;

    private NodeCollector(Identity identity, String policy, Duration interval, Clock clock) {
        this.identity = identity;
        this.policy = policy;
        this.interval = interval;
        this.clock = clock;
    }

    /**
     * Starts collecting with a valid {@code config}. Failures that stop sampling are reported, not
     * thrown; only a health port that cannot be bound is thrown.
     */
    public static NodeCollector start(CollectorConfig config, Identity identity, ApiServer api, Clock clock) throws IOException {
        NodeCollector collector = new NodeCollector(identity, config.policy(), config.export().interval(), clock);
        collector.startHealth(config.health(), api);
        collector.startExporters(config.export());
        collector.startWatches(config, api);
        collector.startSampling(config);
        collector.publish();
        return collector;
    }

    /**
     * Starts only the health reporting for a collector whose config is unusable: the pod shows
     * ConfigInvalid with {@code message} until the operator rolls out a fixed config. The health
     * port is the default one, as the config that would name another cannot be read.
     */
    public static NodeCollector configInvalid(String message, Identity identity, ApiServer api, Clock clock, int healthPort)
            throws IOException {
        NodeCollector collector = new NodeCollector(identity, "unknown", Duration.ofSeconds(15), clock);
        collector.failure = Optional.of(new CollectorState.Failure(CollectingReason.ConfigInvalid, message));
        collector.startHealth(new CollectorConfig.Health(healthPort, Duration.ofSeconds(120)), api);
        collector.publish();
        return collector;
    }

    private void startHealth(CollectorConfig.Health settings, ApiServer api) throws IOException {
        ConditionWriter writer = identity.podName() == null || identity.podNamespace() == null || api == null
                ? condition -> LOG.log(Level.INFO, "no pod identity (SCORCH_POD_NAME/SCORCH_POD_NAMESPACE): condition {0} not written",
                        condition.reason())
                : new PodStatusPatcher(api, identity.podNamespace(), identity.podName());
        publisher = new ConditionPublisher(writer, clock, settings.statusUpdateInterval());
        CollectorMetrics metrics = new CollectorMetrics(this::backendHealth)
                .counter("scorch_samples_total", "CPU samples read from the perf ring buffers.", this::samples)
                .counter("scorch_samples_lost_total", "Sample records the kernel dropped because a ring buffer was full.", this::lost)
                .counter("scorch_samples_unselected_total", "Samples of processes the policy does not select.",
                        () -> aggregator == null ? 0 : aggregator.unselected())
                .counter("scorch_samples_unattributed_total", "Samples of containers the pod watch had not reported by the interval's end.",
                        () -> cycle == null ? 0 : cycle.unattributedSamples())
                .counterFamily("scorch_symbolization_misses_total", "Frames that could not be named, by reason.", "reason",
                        this::symbolizationMisses)
                .counterFamily("scorch_parse_rejections_total", "Node files a parser refused, by parser/limit (e.g. elf/heap_bytes).",
                        "rejection", () -> symbolizer == null ? Map.of() : symbolizer.rejections().counts())
                .counter("scorch_profiles_total", "Profiles built and offered to the exporters.", () -> cycle == null ? 0 : cycle.profiles())
                .counter("scorch_profiles_failed_total", "Profiles that could not be built.", () -> cycle == null ? 0 : cycle.failedProfiles())
                .gauge("scorch_processes_tracked", "Processes in the process table.", () -> processes == null ? 0 : processes.size())
                .gauge("scorch_pods_watched", "Pods of this node known from the pod watch.", () -> pods == null ? 0 : pods.size())
                .gauge("scorch_pod_watch_failing", "1 while the list or watch of this node's pods fails (the condition message says why).",
                        () -> podWatch != null && podWatch.health().failing() ? 1 : 0)
                .counter("scorch_pod_watch_failures_total", "Pod list or watch requests that failed and were retried.",
                        () -> podWatch == null ? 0 : podWatch.health().failures())
                .counter("scorch_pod_watch_relists_total", "Pod lists repeated because the resourceVersion expired (410 Gone).",
                        () -> podWatch == null ? 0 : podWatch.health().relists())
                .gauge("scorch_sampling_cgroups", "Pod cgroups sampled through perf cgroup events; 0 while every CPU is sampled.",
                        () -> scope == null ? 0 : scope.cgroups().size())
                .gauge("scorch_collecting", "1 while the pod condition scorch.dev/Collecting is True.", () -> publisher.ready() ? 1 : 0);
        health = new HealthServer(settings.port(), publisher::current, metrics).start();
        resources.add(health);
        LOG.log(Level.INFO, "node {0}: health endpoints on port {1}", identity.node(), Integer.toString(health.port()));
    }

    /** A backend that cannot work (bad address, unreadable CA) still gets an exporter whose health says why. */
    private void startExporters(CollectorConfig.Export export) {
        ExporterFactory factory = new ExporterFactory(export.spool());
        export.backends().forEach(backend -> exporters.add(factory.create(backend)));
    }

    private void startWatches(CollectorConfig config, ApiServer api) {
        pods = new PodCache(new WorkloadResolver(api)::workloadOf);
        NamespaceCache namespaces = new NamespaceCache();
        podWatch = new ListWatch(api, "/api/v1/pods", "spec.nodeName=" + identity.node(), pods).start();
        ListWatch namespaceWatch = new ListWatch(api, "/api/v1/namespaces", null, namespaces).start();
        resources.add(podWatch);
        resources.add(namespaceWatch);
        resolver = new PodTargetResolver(new ProcCgroupReader(Path.of("/proc"))::read, pods, namespaces, config.targets(),
                config.export().labels(), identity.node(), System::nanoTime);
        try {
            if (!podWatch.awaitSynced(WATCH_SYNC_WAIT) || !namespaceWatch.awaitSynced(WATCH_SYNC_WAIT)) {
                LOG.log(Level.WARNING, "node {0}: no pod list from the API server within {1} s; sampling anyway, "
                        + "stacks wait as pending until the watch catches up", identity.node(), Long.toString(WATCH_SYNC_WAIT.toSeconds()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startSampling(CollectorConfig config) {
        boolean kernelStacks = config.sampling().kernelStacks();
        for (SamplingPreflight.Finding finding : SamplingPreflight.ofThisHost().check(kernelStacks)) {
            if (finding.problem().fatal()) {
                fail(finding.problem(), finding.message());
                return;
            }
            LOG.log(Level.WARNING, "node {0}: {1}", identity.node(), finding.message());
        }
        processes = ProcessTable.ofThisHost();
        aggregator = new StackAggregator(resolver, MAX_STACKS);
        symbolizer = new Symbolizer();
        baseOptions = SamplerOptions.allCpus(config.sampling().frequencyHz(), kernelStacks);
        targets = config.targets();
        cgroupMount = CgroupDirectories.ofThisHost().unifiedMount();
        podCgroups = cgroupMount.map(PodCgroupDirectories::new).orElse(null);
        if (!rescope()) {
            return;
        }
        resources.add(() -> {
            Sampler current = sampler;
            if (current != null) {
                current.close();
            }
        });
        StackSource source = new StackSource() {
            @Override
            public Map<Target, List<AggregatedStack>> drainInterval() {
                Sampler current = sampler;
                if (current != null) {
                    current.drain();
                }
                return aggregator.drain();
            }

            @Override
            public List<Integer> intervalFinished() {
                return processes.intervalDrained();
            }
        };
        cycle = new ProfileCycle(source, resolver, new CpuProfileBuilder(symbolizer, processes), exporters, config.sampling().frequencyHz());
        intervalStart = clock.instant();
        LOG.log(Level.INFO, "node {0}: sampling at {1} Hz for policy {2}, exporting every {3} s to {4}", identity.node(),
                Integer.toString(config.sampling().frequencyHz()), policy, Long.toString(interval.toSeconds()), exporters.stream().map(ProfileExporter::backendName).toList());
    }

    /**
     * Opens the sampler for what the policy selects now, reopening it when that changed: the
     * selected pods' cgroups, every CPU (with the reason logged), or nothing while no pod here is
     * selected. Returns false when sampling cannot run at all (the failure is recorded).
     */
    private synchronized boolean rescope() {
        if (failure.isPresent()) {
            return false;
        }
        List<PodInfo> selected = resolver.selectedPods();
        Map<String, Path> directories = podCgroups == null ? Map.of()
                : podCgroups.find(selected);
        SamplingScope next = SamplingScope.of(targets, cgroupMount, selected, directories);
        if (next.equals(scope)) {
            return true;
        }
        Sampler previous = sampler;
        if (previous != null) {
            previous.drain();
            closedSamples += previous.samples();
            closedLost += previous.lost();
            sampler = null;
            previous.close();
        }
        try {
            sampler = open(next);
        } catch (SamplingUnavailableException e) {
            if (next.everyCpu()) {
                fail(e.problem(), e.getMessage());
                return false;
            }
            next = SamplingScope.allCpus("perf cgroup events failed: " + e.getMessage());
            try {
                sampler = open(next);
            } catch (SamplingUnavailableException again) {
                fail(again.problem(), again.getMessage());
                return false;
            }
        }
        scope = next;
        if (next.everyCpu()) {
            LOG.log(Level.INFO, "node {0}: sampling every CPU: {1}", identity.node(), next.allCpusReason());
        } else if (next.idle()) {
            LOG.log(Level.INFO, "node {0}: not sampling: policy {1} selects no pod here", identity.node(), policy);
        } else {
            LOG.log(Level.INFO, "node {0}: sampling only the {1} cgroup(s) of the selected pods", identity.node(),
                    Integer.toString(next.cgroups().size()));
        }
        return true;
    }

    private Sampler open(SamplingScope next) throws SamplingUnavailableException {
        if (next.idle()) {
            return null;
        }
        Sampler opened = Sampler.open(next.everyCpu() ? baseOptions : baseOptions.withCgroups(next.cgroups()));
        try {
            // Between opening the events and reading them: a process started before is learnt from /proc, one after from records.
            processes.learnRunningProcesses();
            opened.start(new RecordRouter(processes, aggregator));
        } catch (SamplingUnavailableException e) {
            opened.close();
            throw e;
        }
        return opened;
    }

    private long samples() {
        Sampler current = sampler;
        return closedSamples + (current == null ? 0 : current.samples());
    }

    private long lost() {
        Sampler current = sampler;
        return closedLost + (current == null ? 0 : current.lost());
    }

    private void fail(SamplingProblem problem, String message) {
        CollectingReason reason = problem == SamplingProblem.KERNEL_UNSUPPORTED ? CollectingReason.KernelUnsupported : CollectingReason.PerfUnavailable;
        failure = Optional.of(new CollectorState.Failure(reason, message));
        LOG.log(Level.ERROR, "node {0}: cannot sample: {1}", identity.node(), message);
    }

    /** Ends an export interval every {@code interval} until {@link #close()}; call from one thread. */
    public void runUntilClosed() {
        looping = true;
        try {
            Instant intervalEnd = nextIntervalEnd();
            while (stopped.getCount() > 0) {
                Instant now = clock.instant();
                Instant change = ConditionEvaluator.nextChange(state(), now).orElse(intervalEnd);
                Instant wake = change.isBefore(intervalEnd) ? change : intervalEnd;
                Instant scopeCheck = now.plus(SCOPE_CHECK);
                wake = scopeCheck.isBefore(wake) ? scopeCheck : wake;
                if (stopped.await(Math.max(0, Duration.between(now, wake).toMillis()), TimeUnit.MILLISECONDS)) {
                    return;
                }
                if (!clock.instant().isBefore(intervalEnd)) {
                    finishInterval();
                    intervalEnd = nextIntervalEnd();
                } else if (cycle != null) {
                    rescope();
                }
                publish();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loopDone.countDown();
        }
    }

    private Instant nextIntervalEnd() {
        return intervalStart == null ? clock.instant().plus(interval) : intervalStart.plus(interval);
    }

    private synchronized void finishInterval() {
        if (cycle == null) {
            return;
        }
        Instant end = clock.instant();
        cycle.finish(intervalStart, end);
        intervalStart = end;
        if (stopped.getCount() > 0) {
            rescope();
        }
    }

    private void publish() {
        publisher.update(state());
    }

    /** The state the condition is evaluated from. */
    CollectorState state() {
        return new CollectorState(identity.node(), policy, failure, cycle == null ? 0 : cycle.intervals(),
                resolver == null ? 0 : resolver.selectedTargets(), interval, backendHealth(), podWatchFailure());
    }

    private Optional<String> podWatchFailure() {
        if (podWatch == null) {
            return Optional.empty();
        }
        WatchHealth health = podWatch.health();
        return health.failing() ? Optional.of("since " + health.failingSince() + ": " + health.lastError()) : Optional.empty();
    }

    private List<BackendHealth> backendHealth() {
        return exporters.stream().map(ProfileExporter::health).toList();
    }

    private Map<String, Long> symbolizationMisses() {
        Map<String, Long> misses = new TreeMap<>();
        if (symbolizer != null) {
            symbolizer.metrics().missesByReason().forEach((reason, count) -> misses.put(reason.label(), count));
        }
        return misses;
    }

    /** The port the health endpoints listen on. */
    public int healthPort() {
        return health.port();
    }

    /**
     * Stops: the interval in progress is exported (SIGTERM loses nothing sampled so far), then the
     * exporters flush and close, then sampling and the watches stop.
     */
    @Override
    public void close() {
        stopped.countDown();
        try {
            // The loop may be mid-interval (building profiles); let it finish before the final flush.
            if (looping) {
                loopDone.await(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finishInterval();
        for (ProfileExporter exporter : exporters) {
            try {
                exporter.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "backend {0} did not close cleanly: {1}", exporter.backendName(), e.getMessage());
            }
        }
        for (AutoCloseable resource : resources.reversed()) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "while stopping: {0}", e.toString());
            }
        }
        LOG.log(Level.INFO, "node {0}: stopped", identity.node());
    }
}
