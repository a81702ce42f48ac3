package dev.scorch.collector.run;

import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.IntervalPuller.CutProfile;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
import dev.scorch.collector.pull.PullFailure;
import dev.scorch.collector.pull.PulledProfile;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.trigger.ContainerTriggers.Firing;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Captures profiles of one container when a trigger fired: a short CPU profile of just its cgroup
 * at a higher frequency (perf's cgroup mode, so other containers cost nothing), plus its heap and
 * goroutine profiles when it serves pprof. Every profile carries the series labels of the container
 * plus {@code trigger} (the metric) and {@code trigger_value} (the value that fired it). The heap
 * profile holds what is in use now as served and, where the policy pulls the pod's heap, the
 * allocations since its last pull (it cuts that interval short, so pulls and captures together
 * count each allocation once); without a pull, no allocations: Go counts them since the program
 * started, which no backend can tell from an interval's.
 *
 * <p>Bounded so captures never add up to more than the node can spare: at most {@code
 * maxConcurrent} at once (a firing that finds none free is skipped, not queued), a capped duration
 * and frequency.
 */
public final class TriggeredCapture {

    /**
     * @param duration how long the CPU profile samples, at most 60 s
     * @param frequencyHz samples per second per CPU for it, at most 999
     * @param maxConcurrent captures at once on this node
     */
    public record Settings(Duration duration, int frequencyHz, int maxConcurrent) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(10), 199, 1);

        public Settings {
            if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofSeconds(60)) > 0
                    || frequencyHz < 1 || frequencyHz > 999 || maxConcurrent < 1) {
                throw new IllegalArgumentException("capture settings out of bounds (duration 0-60 s, 1-999 Hz, >= 1 at once): "
                        + duration + ", " + frequencyHz + " Hz, " + maxConcurrent);
            }
        }
    }

    /**
     * What one capture produced.
     *
     * @param labels the container's series labels plus {@code trigger} and {@code trigger_value}
     * @param cpu the cgroup's CPU profile
     * @param goProfiles the heap profile (in-use memory as served, allocations since the policy's
     *     last pull of the pod's heap, none when it is not pulled) and the goroutine profile as
     *     served, gzipped
     * @param problems what could not be captured, in words (a pull failure, for instance)
     */
    public record Capture(SortedMap<String, String> labels, CpuProfile cpu, Map<GoProfileType, CutProfile> goProfiles, List<String> problems) {}

    private static final int MAX_STACKS = 100_000;

    private final Settings settings;
    private final Symbolizer symbolizer;
    private final ProfileFetcher fetcher;
    private final Semaphore slots;

    public TriggeredCapture(Settings settings, Symbolizer symbolizer, ProfileFetcher fetcher) {
        this.settings = settings;
        this.symbolizer = symbolizer;
        this.fetcher = fetcher;
        this.slots = new Semaphore(settings.maxConcurrent());
    }

    /**
     * Captures now, or returns empty at once when {@code maxConcurrent} captures are running.
     *
     * @param cgroup the container's cgroup v2 directory
     * @param containerLabels its series labels (service_name, namespace, pod, container, ...)
     * @param endpoints where it serves pprof, null when it does not
     */
    public Optional<Capture> capture(Firing firing, Path cgroup, SortedMap<String, String> containerLabels, PullEndpoints endpoints)
            throws SamplingUnavailableException, InterruptedException {
        return capture(firing, cgroup, containerLabels, endpoints == null ? null : endpoints::url, null);
    }

    /**
     * Captures now, or returns empty at once when {@code maxConcurrent} captures are running.
     *
     * @param cgroup the container's cgroup v2 directory
     * @param containerLabels its series labels (service_name, namespace, pod, container, ...)
     * @param urls where it serves each pprof type, null when it serves none
     * @param pulls the policy's pulls of the pod, whose heap baseline the capture's heap profile
     *     cuts from; null when the policy does not pull it
     */
    public Optional<Capture> capture(Firing firing, Path cgroup, SortedMap<String, String> containerLabels,
            Function<GoProfileType, URI> urls, IntervalPuller pulls)
            throws SamplingUnavailableException, InterruptedException {
        if (!slots.tryAcquire()) {
            return Optional.empty();
        }
        try {
            SortedMap<String, String> labels = new TreeMap<>(containerLabels);
            labels.put("trigger", firing.rule().metric().label());
            labels.put("trigger_value", value(firing));
            List<String> problems = new ArrayList<>();
            Map<GoProfileType, CutProfile> goProfiles = new EnumMap<>(GoProfileType.class);
            if (urls != null) {
                try {
                    PulledProfile heap = fetcher.fetch(urls.apply(GoProfileType.HEAP), GoProfileType.HEAP);
                    goProfiles.put(GoProfileType.HEAP, (pulls == null ? Optional.<CutProfile>empty() : pulls.cutHeap(heap))
                            .orElseGet(() -> IntervalPuller.withoutGrowth(GoProfileType.HEAP, heap)));
                } catch (PullFailure e) {
                    problems.add(GoProfileType.HEAP.typeName() + ": " + e.getMessage());
                }
                try {
                    long fetchedAt = System.currentTimeMillis() * 1_000_000L;
                    goProfiles.put(GoProfileType.GOROUTINE, new CutProfile(fetcher.fetchBody(urls.apply(GoProfileType.GOROUTINE)), fetchedAt, 0));
                } catch (PullFailure e) {
                    problems.add(GoProfileType.GOROUTINE.typeName() + ": " + e.getMessage());
                }
            }
            return Optional.of(new Capture(labels, sampleCgroup(cgroup, labels), goProfiles, problems));
        } finally {
            slots.release();
        }
    }

    private CpuProfile sampleCgroup(Path cgroup, SortedMap<String, String> labels) throws SamplingUnavailableException, InterruptedException {
        Target everything = Target.of(labels);
        ProcessTable processes = ProcessTable.ofThisHost();
        StackStore stacks = new StackStore(MAX_STACKS);
        StackAggregator aggregator = new StackAggregator(new TargetResolver() {
            @Override
            public Optional<Target> resolve(int pid) {
                return Optional.of(everything);
            }
        }, stacks);
        RecordRouter router = new RecordRouter(processes, stacks, null);
        router.route(List.of(aggregator));
        Instant start;
        long startNanos;
        try (Sampler sampler = Sampler.open(SamplerOptions.allCpus(settings.frequencyHz(), false).withCgroups(List.of(cgroup)))) {
            processes.learnRunningProcesses();
            start = Instant.now();
            startNanos = System.nanoTime();
            sampler.start(router);
            Thread.sleep(settings.duration());
        }
        return new CpuProfileBuilder(symbolizer, processes).build(labels, start, Duration.ofNanos(System.nanoTime() - startNanos),
                settings.frequencyHz(), aggregator.drain().getOrDefault(everything, List.of()));
    }

    private static String value(Firing firing) {
        double v = firing.value();
        String number = v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.2f", v);
        return number + " " + firing.rule().metric().unit();
    }
}
