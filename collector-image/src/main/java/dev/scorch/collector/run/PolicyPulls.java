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
import dev.scorch.collector.pull.PullJitter;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * One policy's Go profile pulls on this node: every interval, each selected pod of this node that
 * announces a pprof endpoint is fetched at its pod IP, at an offset of its own within the first
 * quarter of the interval (so a node's pods are not all hit at once), through one bounded fetcher
 * (timeout, size cap, concurrency). Cumulative types become per-interval deltas, one delta state per
 * pod and type, and each profile goes to every backend of the policy (OTLP ones re-encoded) with the labels of the
 * pod's CPU profiles plus its profile name. Failures are counted per pod and reason, and the last
 * one of each pod that could not be fetched is kept for the policy's condition.
 */
final class PolicyPulls implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PolicyPulls.class.getName());
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** Why a selected pod's profiles are not arriving, for the policy's condition. */
    record PodProblem(String pod, String reason, String message) {}

    private final String policy;
    private final PolicyConfig.Pull settings;
    private final Supplier<List<PodInfo>> selectedPods;
    private final BiFunction<PodInfo, String, SortedMap<String, String>> labels;
    private final List<ProfileExporter> exporters;
    private final ProfileFetcher fetcher;
    private final ScheduledExecutorService rounds;
    private final ExecutorService pulls = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, PodPuller> pullers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> pulled = new ConcurrentHashMap<>();
    private final Map<String, PodProblem> problems = new ConcurrentHashMap<>();

    /**
     * @param selectedPods the pods of this node the policy selects now
     * @param labels the series labels of a pod's container (by name) as its CPU profiles carry them
     * @param nodeFetches the node's bound of fetched profiles, shared with every other policy
     */
    PolicyPulls(String policy, PolicyConfig.Pull settings, Supplier<List<PodInfo>> selectedPods,
            BiFunction<PodInfo, String, SortedMap<String, String>> labels, List<ProfileExporter> exporters, FetchBudget nodeFetches) {
        this.policy = policy;
        this.settings = settings;
        this.selectedPods = selectedPods;
        this.labels = labels;
        this.exporters = List.copyOf(exporters);
        this.fetcher = new ProfileFetcher(new ProfileFetcher.Limits(CONNECT_TIMEOUT.compareTo(settings.timeout()) < 0 ? CONNECT_TIMEOUT
                : settings.timeout(), settings.timeout(), (int) settings.maxProfileBytes(), settings.maxConcurrent()), nodeFetches);
        this.rounds = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("pull-" + policy).daemon().factory());
    }

    /** Starts pulling: the first round now, then one every interval. */
    PolicyPulls start() {
        long period = settings.interval().toMillis();
        rounds.scheduleAtFixedRate(this::round, 0, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One interval: schedules each announcing pod's pull at its offset; a pod still busy from the last round is skipped. */
    void round() {
        try {
            Set<String> present = ConcurrentHashMap.newKeySet();
            for (PodInfo pod : selectedPods.get()) {
                if (pod.pprof().annotations().isEmpty()) {
                    continue;
                }
                present.add(pod.uid());
                PodPullTargets.Resolution resolution = PodPullTargets.resolve(pod.pprof().podIp(), pod.pprof().annotations(),
                        pod.pprof().namedPorts(), settings.types());
                String podName = pod.namespace() + "/" + pod.name();
                if (!resolution.problems().isEmpty()) {
                    problems.put(pod.uid(), new PodProblem(podName, "annotation", String.join("; ", resolution.problems())));
                }
                if (resolution.urls().isEmpty()) {
                    continue;
                }
                PodPuller puller = pullers.compute(pod.uid(), (uid, old) -> old != null && old.urls.equals(resolution.urls())
                        ? old : new PodPuller(pod, resolution.urls()));
                if (puller.busy.compareAndSet(false, true)) {
                    Duration offset = PullJitter.offset(pod.uid(), settings.interval());
                    rounds.schedule(() -> pulls.execute(() -> puller.pullAll(resolution.problems().isEmpty())), offset.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
            pullers.keySet().retainAll(present);
            problems.keySet().retainAll(present);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "policy {0}: a pull round failed: {1}", policy, e.toString());
        }
    }

    /** The puller of the pod with {@code uid} (its delta states), null when the pod is not pulled. */
    IntervalPuller puller(String uid) {
        PodPuller pod = pullers.get(uid);
        return pod == null ? null : pod.puller;
    }

    /** The pods of the policy that could not be fetched in their last round, and why. */
    List<PodProblem> problems() {
        return new ArrayList<>(problems.values());
    }

    /** Failed fetches so far by pod ({@code namespace/name}) and reason, "pod|reason" keys. */
    Map<String, Long> failures() {
        Map<String, Long> counts = new TreeMap<>();
        failures.forEach((key, count) -> counts.put(key, count.get()));
        return counts;
    }

    /** Profiles offered to the backends so far, by profile type. */
    Map<String, Long> pulled() {
        Map<String, Long> counts = new TreeMap<>();
        pulled.forEach((type, count) -> counts.put(type, count.get()));
        return counts;
    }

    /** Compressed bytes received from the pods so far. */
    long bytesReceived() {
        return fetcher.bytesReceived();
    }

    @Override
    public void close() {
        rounds.shutdownNow();
        pulls.shutdownNow();
        try {
            pulls.awaitTermination(settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fetcher.close();
    }

    /** One pod's pulls: its URLs, its delta states, and whether a round of it is in flight. */
    private final class PodPuller {
        private final Map<GoProfileType, URI> urls;
        private final String uid;
        private final String podName;
        private final SortedMap<String, String> podLabels;
        private final IntervalPuller puller;
        private final AtomicBoolean busy = new AtomicBoolean();

        PodPuller(PodInfo pod, Map<GoProfileType, URI> urls) {
            this.urls = Map.copyOf(urls);
            this.uid = pod.uid();
            this.podName = pod.namespace() + "/" + pod.name();
            int port = urls.values().iterator().next().getPort();
            String container = pod.pprof().containerByPort().getOrDefault(port,
                    pod.containerNames().size() == 1 ? pod.containerNames().values().iterator().next() : "");
            this.podLabels = labels.apply(pod, container);
            this.puller = new IntervalPuller(fetcher, this.urls::get);
        }

        void pullAll(boolean annotationsFine) {
            try {
                PodProblem failed = null;
                int fetched = 0;
                for (GoProfileType type : urls.keySet()) {
                    PullFailure failure = pullAndExport(type);
                    if (failure != null) {
                        String reason = failure.reason().label();
                        failures.computeIfAbsent(podName + "|" + reason, k -> new AtomicLong()).incrementAndGet();
                        failed = new PodProblem(podName, reason, failure.getMessage());
                    } else {
                        fetched++;
                    }
                }
                if (failed != null) {
                    problems.put(uid, failed);
                    if (fetched == 0) {
                        LOG.log(Level.DEBUG, "policy {0}: no profile of pod {1}: {2}", policy, podName, failed.message());
                    }
                } else if (annotationsFine) {
                    problems.remove(uid);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "policy {0}: pulling pod {1} failed: {2}", policy, podName, e.toString());
            } finally {
                busy.set(false);
            }
        }

        /**
         * One type: fetched, made the interval's profile and offered to the backends within one
         * slot of the node's budget, so the decoded profile, its rewrite and its re-encode count
         * in the bound of what pulls hold at once; the failure when nothing was fetched.
         */
        private PullFailure pullAndExport(GoProfileType type) throws InterruptedException {
            try (FetchBudget.Slot _ = fetcher.slot(urls.get(type))) {
                IntervalPuller.Outcome outcome = puller.pull(type);
                if (outcome.failure() != null) {
                    return outcome.failure();
                }
                if (outcome.gzippedPprof() != null) {
                    Instant start = Instant.ofEpochSecond(0, outcome.interval().startNanos());
                    GoProfileExport.export(exporters, fetcher, podLabels, type, start, Duration.ofNanos(outcome.interval().durationNanos()),
                            outcome.gzippedPprof());
                    pulled.computeIfAbsent(type.typeName(), k -> new AtomicLong()).incrementAndGet();
                }
                return null;
            } catch (PullFailure budgetFull) {
                return budgetFull;
            }
        }
    }
}
