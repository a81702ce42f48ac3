package dev.scorch.collector.run;

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
import java.util.function.LongSupplier;

/**
 * The run mode's {@link TargetResolver}: {@code /proc/<pid>/cgroup} -> container id -> this node's
 * pod (from the pod watch) -> the policy's selectors -> a target with the series labels of
 * docs/export.md (service_name, namespace, pod, container, node and the policy's labels).
 *
 * <p>Which container a pid runs in is the node's ({@link ProcessContainers}, read once for every
 * policy); this resolver keeps only its policy's answer per container, so its cache grows with the
 * node's containers, not its processes. The answers are evaluated again (without touching /proc)
 * when the pod or namespace cache changes, so label edits and deleted pods take effect. A container
 * the pod cache does not know yet is {@link Target#PENDING} until the watch reports it or
 * {@link #PENDING_LIMIT} has passed since the node first saw it; after that it is treated as a
 * process outside any pod (a container of some other runtime user).
 */
public final class PodTargetResolver implements TargetResolver {

    /** How long a container may stay unknown to the pod watch before we stop waiting for it. */
    static final Duration PENDING_LIMIT = Duration.ofMinutes(2);

    private final ProcessContainers containers;
    private final PodCache pods;
    private final NamespaceCache namespaces;
    private final PolicyConfig.Targets selection;
    private final Map<String, String> exportLabels;
    private final String node;
    private final LongSupplier nanoClock;
    private final Optional<Target> host;
    /** This policy's answer per container id, for the caches' generation it was evaluated in. */
    private volatile Answers answers = new Answers(Long.MIN_VALUE);

    /**
     * @param containers the node's pids and their containers
     * @param nanoClock monotonic clock, the one {@code containers} dates first sightings with
     */
    public PodTargetResolver(ProcessContainers containers, PodCache pods, NamespaceCache namespaces,
            PolicyConfig.Targets selection, Map<String, String> exportLabels, String node, LongSupplier nanoClock) {
        this.containers = containers;
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
        ProcessContainers.Container container;
        try {
            container = containers.of(pid);
        } catch (RuntimeException e) {
            // Hostile /proc content must cost at most this pid's samples, never the sampler.
            return Optional.empty();
        }
        if (container == ProcessContainers.NONE) {
            return host;
        }
        long generation = pods.generation() + namespaces.generation();
        Answers current = answers;
        if (current.generation != generation) {
            // The pods or namespaces changed: every answer is evaluated again, and those of containers gone go with them.
            current = new Answers(generation);
            answers = current;
        }
        String id = container.cgroup().containerId();
        Answer answer = current.byContainer.get(id);
        if (answer != null && !answer.retryDue(nanoClock.getAsLong())) {
            return answer.target;
        }
        Answer fresh = evaluate(container);
        current.byContainer.put(id, fresh);
        return fresh.target;
    }

    /** Containers this policy holds an answer for, for tests. */
    int cachedContainers() {
        return answers.byContainer.size();
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

    private Answer evaluate(ProcessContainers.Container container) {
        String id = container.cgroup().containerId();
        Optional<PodInfo> pod = pods.byContainerId(id);
        Optional<Map<String, String>> namespaceLabels = pod.flatMap(p -> namespaces.labels(p.namespace()));
        if (pod.isEmpty() || namespaceLabels.isEmpty()) {
            long pendingUntil = container.firstSeenNanos() + PENDING_LIMIT.toNanos();
            return nanoClock.getAsLong() - pendingUntil < 0
                    ? new Answer(Optional.of(Target.PENDING), pendingUntil, true)
                    : new Answer(container.cgroup().podUid().isPresent() ? Optional.empty() : host, 0, false);
        }
        boolean selected = selection.namespaceSelector().matches(namespaceLabels.get())
                && selection.podSelector().matches(pod.get().labels());
        return new Answer(selected ? Optional.of(podTarget(pod.get(), id)) : Optional.empty(), 0, false);
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

    /** The answers of one generation of the pod and namespace caches. */
    private static final class Answers {
        final long generation;
        final Map<String, Answer> byContainer = new ConcurrentHashMap<>();

        Answers(long generation) {
            this.generation = generation;
        }
    }

    /** A container's answer; a pending one is evaluated again once the caches change or its wait is over. */
    private record Answer(Optional<Target> target, long pendingUntilNanos, boolean pending) {

        boolean retryDue(long now) {
            return pending && now - pendingUntilNanos >= 0;
        }
    }
}
