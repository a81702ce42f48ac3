package dev.scorch.operator.status;

import static dev.scorch.operator.api.v1alpha1.PolicyCondition.DEGRADED;
import static dev.scorch.operator.api.v1alpha1.PolicyCondition.PROGRESSING;
import static dev.scorch.operator.api.v1alpha1.PolicyCondition.READY;

import dev.scorch.operator.api.v1alpha1.FailingNode;
import dev.scorch.operator.api.v1alpha1.NodeCounts;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.resources.CollectorDaemonSet;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Folds what the reconciler observed into a policy's status. Pure: the same policy, observation and
 * clock give the same status, and an unchanged situation gives an equal status, so the reconciler
 * writes only when something changed.
 *
 * <p>One collector DaemonSet serves every policy, so a policy's counts are over the nodes it selects
 * ({@link PolicyNodes}): the collector pods on those nodes, read through the policy's own pod
 * condition; rollout progress is the DaemonSet's, which every policy shares.
 */
public final class StatusAggregator {
    /** The most failing nodes listed in status, to keep the object small on large clusters. */
    public static final int MAX_FAILING_NODES = 20;
    /** The smallest advance of lastExportTime worth a status write. */
    public static final java.time.Duration LAST_EXPORT_STEP = java.time.Duration.ofSeconds(60);
    /** The reason of every condition of a suspended policy: no collector is meant to run. */
    public static final String SUSPENDED = "Suspended";
    private static final List<String> FAILING_WAITING_REASONS = List.of(
            "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    private StatusAggregator() {}

    public static ProfilingPolicyStatus aggregate(ProfilingPolicy policy, Observation seen, Instant now) {
        long generation = Objects.requireNonNullElse(policy.getMetadata().getGeneration(), 0L);
        ProfilingPolicyStatus previous = policy.getStatus();
        Conditions conditions = new Conditions(previous, generation, now);
        String daemonSetName = seen.daemonSet() == null ? null : seen.daemonSet().getMetadata().getName();
        List<Pod> pods = seen.pods().stream().filter(pod -> seen.nodes().contains(nodeOf(pod))).toList();

        if (seen.invalid().isPresent()) {
            // The collectors no longer serve the policy: nothing of theirs describes it.
            Observation.Invalid invalid = seen.invalid().get();
            conditions.set(READY, false, invalid.reason(), invalid.message());
            conditions.set(PROGRESSING, false, invalid.reason(), "the collectors do not serve the policy until it is fixed");
            conditions.set(DEGRADED, true, invalid.reason(), invalid.message());
            return new ProfilingPolicyStatus(generation, conditions.list(), new NodeCounts(seen.nodes().size(), 0, 0, 0),
                    null, previous == null ? null : previous.lastExportTime(), null);
        }
        if (seen.suspended()) {
            // Nothing runs, so nothing is exported: an old export time would read as a stale, broken policy.
            String message = "spec.suspend is true: no collectors run";
            conditions.set(READY, false, SUSPENDED, message);
            conditions.set(PROGRESSING, false, SUSPENDED, message);
            conditions.set(DEGRADED, false, SUSPENDED, message);
            return new ProfilingPolicyStatus(generation, conditions.list(), new NodeCounts(0, 0, 0, 0), null, null, null);
        }
        DaemonSet daemonSet = seen.daemonSet();
        if (daemonSet == null) {
            conditions.set(READY, false, "DaemonSetPending", "the collector DaemonSet is being created");
            conditions.set(PROGRESSING, true, "DaemonSetPending", "the collector DaemonSet is being created");
            conditions.set(DEGRADED, false, "AsExpected", "no problem observed");
            return new ProfilingPolicyStatus(generation, conditions.list(), new NodeCounts(0, 0, 0, 0), null,
                    lastExport(policyName(policy), pods, previous), null);
        }

        List<FailingNode> failing = failingNodes(policyName(policy), pods);
        NodeCounts counts = counts(policyName(policy), seen.nodes().size(), pods, failing.size());
        Rollout rollout = Rollout.of(daemonSet);
        if (rollout.rolling()) {
            conditions.set(PROGRESSING, true, "RollingOut",
                    rollout.updated() + " of " + rollout.scheduled() + " collector nodes run the current collector");
        } else {
            conditions.set(PROGRESSING, false, "RolledOut",
                    "all " + rollout.scheduled() + " collector nodes run the current collector");
        }
        if (!failing.isEmpty()) {
            FailingNode first = failing.getFirst();
            conditions.set(DEGRADED, true, "NodesFailing", failing.size() + " of " + counts.desired()
                    + " nodes are not collecting; latest: " + first.node() + " " + first.reason());
        } else {
            conditions.set(DEGRADED, false, "AsExpected", "no collector is failing");
        }
        if (counts.desired() == 0) {
            conditions.set(READY, false, "NoNodes", "no node matches spec.nodes");
        } else if (!failing.isEmpty()) {
            conditions.set(READY, false, "NodesFailing",
                    failing.size() + " of " + counts.desired() + " nodes are not collecting");
        } else if (counts.ready() < counts.desired()) {
            conditions.set(READY, false, "NodesNotReady",
                    counts.ready() + " of " + counts.desired() + " collectors are ready");
        } else {
            conditions.set(READY, true, "Collecting", "all " + counts.desired() + " nodes are collecting");
        }
        List<FailingNode> listed = failing.size() > MAX_FAILING_NODES ? failing.subList(0, MAX_FAILING_NODES) : failing;
        return new ProfilingPolicyStatus(generation, conditions.list(), counts,
                listed.isEmpty() ? null : List.copyOf(listed), lastExport(policyName(policy), pods, previous), daemonSetName)
                .withTriggeredCaptures(TriggeredCaptures.total(policyName(policy), pods));
    }

    /** Counts over the collector pods on the policy's nodes; a node whose pod is not there yet is not ready. */
    private static NodeCounts counts(String policy, int desired, List<Pod> pods, int failing) {
        int ready = (int) pods.stream()
                .map(p -> condition(p, "Ready"))
                .filter(c -> c != null && "True".equals(c.getStatus()))
                .count();
        int collecting = (int) pods.stream()
                .map(p -> collecting(p, policy))
                .filter(c -> c != null && "True".equals(c.getStatus()))
                .count();
        return new NodeCounts(desired, ready, collecting, failing);
    }

    /** Collector pods that are not collecting for {@code policy}, most recent first. */
    static List<FailingNode> failingNodes(String policy, List<Pod> pods) {
        List<FailingNode> failing = new ArrayList<>();
        for (Pod pod : pods) {
            failure(policy, pod).ifPresent(failing::add);
        }
        failing.sort(Comparator.comparing((FailingNode f) -> f.since() == null ? "" : f.since()).reversed()
                .thenComparing(FailingNode::node));
        return failing;
    }

    /**
     * Why the pod does not collect for {@code policy}: it cannot run, or the policy's own condition
     * (the node's while the collector has not written one) is False. A pod may be Ready while one
     * of its policies fails: readiness follows the whole collector, not one team's backend.
     */
    private static Optional<FailingNode> failure(String policy, Pod pod) {
        PodCondition ready = condition(pod, "Ready");
        PodCondition collecting = collecting(pod, policy);
        if (ready != null && "True".equals(ready.getStatus()) && (collecting == null || !"False".equals(collecting.getStatus()))) {
            return Optional.empty();
        }
        String node = nodeOf(pod);
        PodCondition scheduled = condition(pod, "PodScheduled");
        if (scheduled != null && "False".equals(scheduled.getStatus()) && "Unschedulable".equals(scheduled.getReason())) {
            return Optional.of(new FailingNode(node, "Unschedulable", scheduled.getMessage(),
                    scheduled.getLastTransitionTime()));
        }
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
                if (container.getState() != null && container.getState().getWaiting() != null
                        && FAILING_WAITING_REASONS.contains(container.getState().getWaiting().getReason())) {
                    String since = ready != null ? ready.getLastTransitionTime() : null;
                    return Optional.of(new FailingNode(node, container.getState().getWaiting().getReason(),
                            container.getState().getWaiting().getMessage(), since));
                }
            }
        }
        if (collecting != null && "False".equals(collecting.getStatus())) {
            return Optional.of(new FailingNode(node, collecting.getReason(), collecting.getMessage(),
                    collecting.getLastTransitionTime()));
        }
        return Optional.empty();
    }

    /** The node a DaemonSet pod is for: bound, or pinned by the controller's node affinity. */
    public static String nodeOf(Pod pod) {
        if (pod.getSpec() != null && pod.getSpec().getNodeName() != null) {
            return pod.getSpec().getNodeName();
        }
        try {
            return pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms().getFirst().getMatchFields().stream()
                    .filter(f -> "metadata.name".equals(f.getKey()))
                    .findFirst().map(f -> f.getValues().getFirst())
                    .orElse(pod.getMetadata().getName());
        } catch (NullPointerException | java.util.NoSuchElementException e) {
            return pod.getMetadata().getName();
        }
    }

    /**
     * The newest export any collector reported. It advances only in steps of
     * {@link #LAST_EXPORT_STEP}: collectors refresh their condition every couple of minutes each, so
     * on a large cluster the newest export moves every second, and following it exactly would
     * turn every collector heartbeat into a status write.
     */
    private static String lastExport(String policy, List<Pod> pods, ProfilingPolicyStatus previous) {
        Instant before = previous == null || previous.lastExportTime() == null
                ? null : Instant.parse(previous.lastExportTime());
        Instant latest = before;
        for (Pod pod : pods) {
            PodCondition collecting = collecting(pod, policy);
            if (collecting != null && collecting.getLastProbeTime() != null) {
                Instant probe = Instant.parse(collecting.getLastProbeTime());
                if (latest == null || probe.isAfter(latest)) {
                    latest = probe;
                }
            }
        }
        if (before != null && latest.isBefore(before.plus(LAST_EXPORT_STEP))) {
            return previous.lastExportTime();
        }
        return latest == null ? null : latest.toString();
    }

    /**
     * The condition that says whether {@code pod} collects for {@code policy}: the policy's own
     * ({@code <policy>.policy.scorch.dev/Collecting}), else the collector's, which speaks for every
     * policy while the collector has not reported on each (starting, config unreadable, no perf).
     */
    static PodCondition collecting(Pod pod, String policy) {
        PodCondition own = condition(pod, CollectorDaemonSet.policyCondition(policy));
        return own != null ? own : condition(pod, CollectorDaemonSet.COLLECTING_CONDITION);
    }

    private static String policyName(ProfilingPolicy policy) {
        return policy.getMetadata().getName();
    }

    static PodCondition condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }
}
