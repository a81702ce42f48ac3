package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.pull.FetchBudget;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.PodPullTargets;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullFailure;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.trigger.CgroupStatsReader;
import dev.scorch.collector.trigger.ContainerTriggers;
import dev.scorch.collector.trigger.ContainerTriggers.Firing;
import dev.scorch.collector.trigger.TriggerRule;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One policy's triggers on this node: every check interval, each container of each selected pod
 * is checked against the rules from its cgroup statistics (and its goroutine count when the pod
 * serves pprof and a rule watches goroutines). A firing starts a capture ({@link TriggeredCapture}:
 * a short CPU profile of the container's cgroup at the capture frequency, plus heap and goroutine
 * profiles) through {@link PolicyTriggerCaptures}, which runs it on a thread of its own and
 * exports it through the policy's backends with the container's labels plus {@code trigger} and
 * {@code trigger_value}; a firing that finds the policy's captures all busy is skipped and counted.
 */
final class PolicyTriggers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PolicyTriggers.class.getName());
    private static final Duration GOROUTINE_FETCH_TIMEOUT = Duration.ofSeconds(5);
    private static final int GOROUTINE_PROFILE_BYTES = 16 << 20;

    /**
     * The last capture, for the policy's condition.
     *
     * @param pod namespace/name
     * @param container the container's name
     * @param trigger the metric that fired
     * @param value the value that fired it, with its unit
     * @param at when it fired
     * @param check the number of the check that fired it (1 is the policy's first check on this node)
     */
    record LastCapture(String pod, String container, String trigger, String value, Instant at, long check) {}

    private final String policy;
    private final PolicyConfig.Triggers settings;
    private final Supplier<List<PodInfo>> selectedPods;
    private final BiFunction<PodInfo, String, SortedMap<String, String>> labels;
    private final PodCgroupDirectories cgroups;
    private final CgroupStatsReader stats;
    private final PolicyTriggerCaptures captures;
    private final Function<String, IntervalPuller> pulls;
    private final ProfileFetcher fetcher;
    private final Clock clock;
    private final boolean watchesGoroutines;
    private final ScheduledExecutorService checks;
    private final Map<String, ContainerTriggers> containers = new ConcurrentHashMap<>();
    private final AtomicLong checksDone = new AtomicLong();
    private final AtomicLong held = new AtomicLong();

    PolicyTriggers(String policy, PolicyConfig.Triggers settings, Supplier<List<PodInfo>> selectedPods,
            BiFunction<PodInfo, String, SortedMap<String, String>> labels, List<ProfileExporter> exporters, PodCgroupDirectories cgroups,
            CgroupStatsReader stats, Symbolizer symbolizer, Clock clock, Function<String, IntervalPuller> pulls, FetchBudget nodeFetches) {
        this.policy = policy;
        this.settings = settings;
        this.selectedPods = selectedPods;
        this.labels = labels;
        this.cgroups = cgroups;
        this.stats = stats;
        this.clock = clock;
        this.pulls = pulls;
        this.fetcher = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofSeconds(2), GOROUTINE_FETCH_TIMEOUT, GOROUTINE_PROFILE_BYTES,
                settings.capture().maxConcurrent() + 1), nodeFetches);
        this.captures = new PolicyTriggerCaptures(policy, new TriggeredCapture(new TriggeredCapture.Settings(settings.capture().duration(),
                settings.capture().frequencyHz(), settings.capture().maxConcurrent()), symbolizer, fetcher), settings.capture().duration(),
                exporters, clock, fetcher);
        this.watchesGoroutines = settings.rules().stream().anyMatch(r -> r.metric() == TriggerRule.Metric.GOROUTINES);
        this.checks = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("triggers-" + policy).daemon().factory());
    }

    PolicyTriggers start() {
        long period = settings.checkInterval().toMillis();
        checks.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One check of every selected container. */
    void check() {
        long check = checksDone.incrementAndGet();
        try {
            Set<String> present = new HashSet<>();
            List<PodInfo> pods = selectedPods.get();
            Map<String, Path> directories = cgroups.containers(pods);
            for (PodInfo pod : pods) {
                Map<GoProfileType, URI> pprof = pprofUrls(pod);
                for (Map.Entry<String, String> container : pod.containerNames().entrySet()) {
                    String containerId = container.getKey();
                    Path directory = directories.get(containerId);
                    if (directory == null) {
                        continue;
                    }
                    present.add(containerId);
                    checkContainer(pod, container.getValue(), containerId, directory, servesPprof(pod, container.getValue(), pprof)
                            ? pprof : Map.of(), check);
                }
            }
            containers.keySet().retainAll(present);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "policy {0}: a trigger check failed: {1}", policy, e.toString());
        }
    }

    private void checkContainer(PodInfo pod, String containerName, String containerId, Path directory, Map<GoProfileType, URI> pprof,
            long check) throws InterruptedException {
        dev.scorch.collector.trigger.CgroupStats now;
        try {
            now = stats.read("/" + cgroups.mount().relativize(directory));
        } catch (IOException e) {
            return;
        }
        OptionalLong goroutines = OptionalLong.empty();
        if (watchesGoroutines && pprof.containsKey(GoProfileType.GOROUTINE)) {
            try {
                goroutines = OptionalLong.of(fetcher.fetch(pprof.get(GoProfileType.GOROUTINE), GoProfileType.GOROUTINE).total("goroutine"));
            } catch (PullFailure e) {
                LOG.log(Level.DEBUG, "policy {0}: no goroutine count of {1}: {2}", policy, pod.name(), e.getMessage());
            }
        }
        ContainerTriggers rules = containers.computeIfAbsent(containerId, id -> new ContainerTriggers(settings.rules()));
        long heldBefore = rules.held();
        List<Firing> fired = rules.check(now, goroutines, clock.instant());
        held.addAndGet(rules.held() - heldBefore);
        if (fired.isEmpty()) {
            return;
        }
        Firing firing = fired.getFirst();
        SortedMap<String, String> containerLabels = labels.apply(pod, containerName);
        captures.start(pod, containerName, firing, directory, containerLabels, pprof, pulls.apply(pod.uid()), check);
    }

    private static Map<GoProfileType, URI> pprofUrls(PodInfo pod) {
        if (pod.pprof().annotations().isEmpty()) {
            return Map.of();
        }
        return PodPullTargets.resolve(pod.pprof().podIp(), pod.pprof().annotations(), pod.pprof().namedPorts(),
                EnumSet.of(GoProfileType.HEAP, GoProfileType.GOROUTINE)).urls();
    }

    /** Whether {@code container} is the one serving the pod's pprof (the only one, or the one declaring the port). */
    private static boolean servesPprof(PodInfo pod, String container, Map<GoProfileType, URI> urls) {
        if (urls.isEmpty()) {
            return false;
        }
        String owner = pod.pprof().containerByPort().get(urls.values().iterator().next().getPort());
        return owner == null ? pod.containerNames().size() == 1 : owner.equals(container);
    }

    /** Checks of the policy's containers so far (each checks every selected container once). */
    long checks() {
        return checksDone.get();
    }

    /** Crossings held back by their rule's cooldown or hourly cap. */
    long held() {
        return held.get();
    }

    /** What the policy's firings became: captures done, skipped, failed, the last one. */
    PolicyTriggerCaptures captures() {
        return captures;
    }

    @Override
    public void close() {
        checks.shutdownNow();
        captures.close();
        fetcher.close();
    }
}
