package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.status.PolicyNodes;
import dev.scorch.operator.status.Rollout;
import dev.scorch.operator.status.StatusAggregator;
import dev.scorch.operator.validation.SecretReferences;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which policies an event of a watched object concerns, so one change costs the reconciles it needs
 * and not one per policy. Two things can need a reconcile: the shared objects' convergence, which
 * any one policy's reconcile does for all of them, and a policy's status, which must be recomputed
 * by that policy's own reconcile.
 *
 * <ul>
 *   <li>The shared DaemonSet: every policy when what status reads from it ({@link Rollout}) moved;
 *       else one policy when it no longer carries what the operator rendered (a hand edit); else
 *       none (the echo of the operator's own write, or a status count no policy reads).</li>
 *   <li>The shared ConfigMap and credentials Secret: one policy, unless the event is the echo of
 *       the operator's own write (ConfigMap). No status reads them.</li>
 *   <li>A deleted policy: one policy, whose convergence takes it out of the shared objects.</li>
 *   <li>A collector pod: the policies that select its node, which all count it in their status.</li>
 *   <li>A node added or deleted: the policies that select it; a node whose labels or taints
 *       changed: the policies it joins or leaves ({@link PolicyNodes}). Only those count it.</li>
 *   <li>A Secret a policy names: the policies that name it.</li>
 * </ul>
 */
final class AffectedPolicies {
    private final EventSourceContext<ProfilingPolicy> context;
    private final Predicate<ProfilingPolicy> live;
    private final Function<String, Optional<Node>> node;
    /**
     * The last DaemonSet state seen and whether its rollout had moved, kept per resourceVersion so
     * that an event asked about again gets the same answer; DaemonSet events arrive one at a time.
     */
    private final AtomicReference<Seen> lastSeen = new AtomicReference<>();

    private record Seen(String version, Rollout rollout, boolean moved) {}

    private record Moved(String version, Set<ResourceID> policies) {}

    /** The policies a node's update moved it for, by node name (one entry a node at most), from the filter to the mapper. */
    private final Map<String, Moved> movedNodes = new ConcurrentHashMap<>();

    /**
     * @param live whether a cached policy still counts (not seen deleted by the deletions informer)
     * @param node the cached Node of a name
     */
    AffectedPolicies(EventSourceContext<ProfilingPolicy> context, Predicate<ProfilingPolicy> live,
            Function<String, Optional<Node>> node) {
        this.context = context;
        this.live = live;
        this.node = node;
    }

    /** Every policy not seen deleted. */
    Set<ResourceID> all() {
        return context.getPrimaryCache().list(live).map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    /** One policy (the first by name), whose reconcile converges the shared objects for all. */
    Set<ResourceID> one() {
        return context.getPrimaryCache().list(live).min(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(ResourceID::fromResource).map(Set::of).orElse(Set.of());
    }

    /**
     * @param present whether {@code daemonSet} is still in the cache (false for a deletion)
     * @param asRendered whether it carries what the operator last rendered
     */
    Set<ResourceID> ofDaemonSet(DaemonSet daemonSet, boolean present, boolean asRendered) {
        Rollout now = present ? Rollout.of(daemonSet) : null;
        String version = (present ? "" : "deleted ") + daemonSet.getMetadata().getResourceVersion();
        Seen before = lastSeen.get();
        boolean moved = before != null && before.version().equals(version) ? before.moved()
                : !Objects.equals(before == null ? null : before.rollout(), now);
        lastSeen.set(new Seen(version, now, moved));
        if (moved) {
            return all();
        }
        return present && asRendered ? Set.of() : one();
    }

    /** A ConfigMap or the credentials Secret of the collectors. */
    Set<ResourceID> ofSharedObject(boolean present, boolean asRendered) {
        return present && asRendered ? Set.of() : one();
    }

    /**
     * The policies that select the node a collector pod is for: each of them counts the pod in its
     * status (ready, collecting, failing), whichever policies the pod's own conditions report on.
     * A node the Node cache does not hold yet is selected by none; its own event reconciles the
     * policies that select it.
     */
    Set<ResourceID> ofPod(Pod pod) {
        return node.apply(StatusAggregator.nodeOf(pod)).map(this::selecting).orElse(Set.of());
    }

    /**
     * Whether the change from {@code before} to {@code after} moves {@code after} into or out of
     * some policy's nodes: the Node informer's update filter. The policies it concerns are kept for
     * {@link #ofNode}, which java-operator-sdk asks next, on the same thread.
     */
    boolean nodeMoved(Node after, Node before) {
        Set<ResourceID> moved = context.getPrimaryCache()
                .list(policy -> live.test(policy) && PolicyNodes.selects(policy, after) != PolicyNodes.selects(policy, before))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
        if (moved.isEmpty()) {
            return false;
        }
        movedNodes.put(after.getMetadata().getName(), new Moved(after.getMetadata().getResourceVersion(), moved));
        return true;
    }

    /** A node's event: the policies its change moved it for, else (added, deleted) those that select it. */
    Set<ResourceID> ofNode(Node node) {
        Moved moved = movedNodes.remove(node.getMetadata().getName());
        if (moved != null && moved.version().equals(node.getMetadata().getResourceVersion())) {
            return moved.policies();
        }
        return selecting(node);
    }

    private Set<ResourceID> selecting(Node node) {
        return context.getPrimaryCache().list(policy -> live.test(policy) && PolicyNodes.selects(policy, node))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    /** The policies that name the Secret {@code name}. */
    Set<ResourceID> naming(String secret) {
        return context.getPrimaryCache().list(policy -> SecretReferences.names(policy, secret))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }
}
