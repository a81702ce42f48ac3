package dev.scorch.collector.run;

import dev.scorch.collector.attribution.CgroupParser;
import dev.scorch.collector.attribution.ContainerCgroup;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.PodInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The run mode's {@link TargetResolver}: {@code /proc/<pid>/cgroup} -> container id -> this node's
 * pod (from the pod watch) -> the policy's selectors -> a target with the series labels of
 * docs/export.md (service_name, namespace, pod, container, node and the policy's labels).
 *
 * <p>The first call for a pid reads its cgroup file once; later calls answer from a per-pid cache
 * that is re-evaluated (without touching /proc) when the pod or namespace cache changes, so label
 * edits and deleted pods take effect. A container the pod cache does not know yet is
 * {@link Target#PENDING} until the watch reports it or {@link #PENDING_LIMIT} passes; after that it
 * is treated as a process outside any pod (a container of some other runtime user).
 */
public final class PodTargetResolver implements TargetResolver {

    /** How long a container may stay unknown to the pod watch before we stop waiting for it. */
    static final Duration PENDING_LIMIT = Duration.ofMinutes(2);

    private final IntFunction<Optional<String>> cgroups;
    private final PodCache pods;
    private final NamespaceCache namespaces;
    private final PolicyConfig.Targets selection;
    private final Map<String, String> exportLabels;
    private final String node;
    private final LongSupplier nanoClock;
    private final Optional<Target> host;
    private final Map<Integer, Entry> cache = new ConcurrentHashMap<>();

    /**
     * @param cgroups reads a pid's {@code /proc/<pid>/cgroup}
     * @param nanoClock monotonic clock, e.g. {@code System::nanoTime}
     */
    public PodTargetResolver(IntFunction<Optional<String>> cgroups, PodCache pods, NamespaceCache namespaces,
            PolicyConfig.Targets selection, Map<String, String> exportLabels, String node, LongSupplier nanoClock) {
        this.cgroups = cgroups;
        this.pods = pods;
        this.namespaces = namespaces;
        this.selection = selection;
        this.exportLabels = Map.copyOf(exportLabels);
        this.node = node;
        this.nanoClock = nanoClock;
        this.host = selection.hostProcesses() ? Optional.of(hostTarget()) : Optional.empty();
    }

    @Override
    public Optional<Target> resolve(int pid) {
        long generation = pods.generation() + namespaces.generation();
        Entry entry = cache.get(pid);
        if (entry != null && entry.generation == generation && !entry.retryDue(nanoClock.getAsLong())) {
            return entry.answer;
        }
        try {
            Optional<ContainerCgroup> container = entry != null ? entry.container : cgroups.apply(pid).flatMap(CgroupParser::parse);
            long firstSeen = entry != null ? entry.firstSeenNanos : nanoClock.getAsLong();
            Entry fresh = evaluate(container, generation, firstSeen);
            cache.put(pid, fresh);
            return fresh.answer;
        } catch (RuntimeException e) {
            // Hostile /proc content must cost at most this pid's samples, never the sampler.
            return Optional.empty();
        }
    }

    @Override
    public void forget(int pid) {
        cache.remove(pid);
    }

    /**
     * What the policy selects on this node now: the selected pods, plus the host when host
     * processes are profiled. Zero means the condition reason NoTargets.
     */
    public int selectedTargets() {
        return (selection.hostProcesses() ? 1 : 0) + selectedPods().size();
    }

    /** The pods of this node the policy selects now. */
    public List<PodInfo> selectedPods() {
        List<PodInfo> selected = new ArrayList<>();
        for (PodInfo pod : pods.pods()) {
            Optional<Map<String, String>> namespaceLabels = namespaces.labels(pod.namespace());
            if (namespaceLabels.isPresent() && selection.namespaceSelector().matches(namespaceLabels.get())
                    && selection.podSelector().matches(pod.labels())) {
                selected.add(pod);
            }
        }
        return selected;
    }

    /** Pids cached, for metrics and tests. */
    public int cachedPids() {
        return cache.size();
    }

    private Entry evaluate(Optional<ContainerCgroup> container, long generation, long firstSeen) {
        if (container.isEmpty()) {
            return new Entry(container, host, generation, firstSeen, false);
        }
        Optional<PodInfo> pod = pods.byContainerId(container.get().containerId());
        Optional<Map<String, String>> namespaceLabels = pod.flatMap(p -> namespaces.labels(p.namespace()));
        if (pod.isEmpty() || namespaceLabels.isEmpty()) {
            boolean stillWaiting = nanoClock.getAsLong() - firstSeen < PENDING_LIMIT.toNanos();
            return stillWaiting
                    ? new Entry(container, Optional.of(Target.PENDING), generation, firstSeen, true)
                    : new Entry(container, container.get().podUid().isPresent() ? Optional.empty() : host, generation, firstSeen, false);
        }
        boolean selected = selection.namespaceSelector().matches(namespaceLabels.get())
                && selection.podSelector().matches(pod.get().labels());
        Optional<Target> answer = selected ? Optional.of(podTarget(pod.get(), container.get().containerId())) : Optional.empty();
        return new Entry(container, answer, generation, firstSeen, false);
    }

    private Target podTarget(PodInfo pod, String containerId) {
        return containerTarget(pod, pod.containerNames().getOrDefault(containerId, ""));
    }

    /** The target of one container of {@code pod} by its name (empty when unknown), with the same labels as its CPU profiles. */
    public Target containerTarget(PodInfo pod, String containerName) {
        Map<String, String> labels = new HashMap<>(exportLabels);
        // Our labels win over the policy's: service_name and friends are what backends join on.
        labels.put("service_name", pod.namespace() + "/" + pod.workload().name());
        labels.put("namespace", pod.namespace());
        labels.put("pod", pod.name());
        labels.put("container", containerName);
        labels.put("node", node);
        return Target.of(labels);
    }

    private Target hostTarget() {
        Map<String, String> labels = new HashMap<>(exportLabels);
        labels.put("service_name", "host/" + node);
        labels.put("node", node);
        return Target.of(labels);
    }

    /** A pid's cached answer; a pending one is evaluated again when the caches change or it times out. */
    private record Entry(Optional<ContainerCgroup> container, Optional<Target> answer, long generation, long firstSeenNanos,
            boolean pending) {

        boolean retryDue(long now) {
            return pending && now - firstSeenNanos >= PENDING_LIMIT.toNanos();
        }
    }
}
