package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The status the operator last wrote for each policy, until the informer cache shows it.
 * java-operator-sdk does not put a status patch's result in its cache, and the patch's watch event
 * can arrive after the next reconcile started: that reconcile would compare its status with an
 * older one, write the same status again and take the write's {@code lastTransitionTime}s and
 * Events for new ones. Kept per policy uid with the resourceVersion the last write produced and the
 * versions it supersedes (the one it was computed from, earlier writes' not yet seen): while the
 * cache holds one of those, it is behind. A version the operator never saw (a spec edit) is newer:
 * the cache is trusted again. Versions are compared for equality only, as Kubernetes asks.
 */
final class WrittenStatuses {
    private record Written(String version, Set<String> superseded, ProfilingPolicyStatus status) {}

    private final Map<String, Written> byUid = new ConcurrentHashMap<>();

    /** The status {@code cached} has on the API server as far as the operator knows. */
    ProfilingPolicyStatus current(ProfilingPolicy cached) {
        String uid = cached.getMetadata().getUid();
        Written written = byUid.get(uid);
        if (written == null) {
            return cached.getStatus();
        }
        if (written.superseded().contains(cached.getMetadata().getResourceVersion())) {
            return written.status();
        }
        byUid.remove(uid, written);
        return cached.getStatus();
    }

    /**
     * Records that {@code status} was written, computed from {@code readFrom} (the cached policy),
     * and that the API server answered with {@code version}. Reconciles of one policy do not overlap.
     */
    void wrote(ProfilingPolicy readFrom, String version, ProfilingPolicyStatus status) {
        String uid = readFrom.getMetadata().getUid();
        Written before = byUid.get(uid);
        Set<String> superseded = new HashSet<>();
        if (before != null) {
            superseded.addAll(before.superseded());
            superseded.add(before.version());
        }
        superseded.add(readFrom.getMetadata().getResourceVersion());
        superseded.remove(version);
        byUid.put(uid, new Written(version, Set.copyOf(superseded), status));
    }

    /** Forgets the policies whose uids are not in {@code live} (deleted). */
    void retain(Set<String> live) {
        byUid.keySet().retainAll(live);
    }
}
