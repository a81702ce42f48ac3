package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.Set;

/**
 * Writes a policy's status and the Events of its changes, and knows the status each policy has
 * on the API server ({@link WrittenStatuses}) even while the informer cache is behind the writes.
 *
 * <p>The status is written here, not by java-operator-sdk's {@code UpdateControl.patchStatus}, so
 * that it counts as written only once the API server took it: a failed patch throws, and the
 * retried reconcile writes it again.
 */
final class PolicyStatusWriter {
    private final Clock clock;
    private final WrittenStatuses written = new WrittenStatuses();

    PolicyStatusWriter(Clock clock) {
        this.clock = clock;
    }

    /** The status {@code cached} has on the API server as far as the operator knows. */
    ProfilingPolicyStatus current(ProfilingPolicy cached) {
        return written.current(cached);
    }

    /** Records the Events of the change from {@code previous} to {@code status}, then writes it. */
    void write(KubernetesClient client, ProfilingPolicy policy, ProfilingPolicyStatus previous, ProfilingPolicyStatus status,
            String fieldManager) {
        PolicyEvents.record(client, PolicyEvents.ignoredFields(policy, clock.instant()));
        PolicyEvents.record(client, PolicyEvents.transitions(policy, previous, status, clock.instant()));
        PolicyEvents.record(client, PolicyEvents.captures(policy, previous, status, clock.instant()));
        try {
            ProfilingPolicy patched = client.resource(statusOnly(policy, status)).subresource("status").patch(
                    new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withForce(true)
                            .withFieldManager(fieldManager).build());
            written.wrote(policy, patched.getMetadata().getResourceVersion(), status);
        } catch (KubernetesClientException e) {
            // Deleted since the cache saw it: its deletion reconciles what remains.
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    /** Forgets the policies whose uids are not in {@code live} (deleted). */
    void retain(Set<String> live) {
        written.retain(live);
    }

    /**
     * A minimal object for the status patch: identity and status, nothing the user owns. No
     * resourceVersion: the leader is the only writer of status and recomputes all of it on every
     * reconcile, so a conflict check would only add retries (docs/decisions.md).
     */
    private static ProfilingPolicy statusOnly(ProfilingPolicy policy, ProfilingPolicyStatus status) {
        ProfilingPolicy patch = new ProfilingPolicy();
        patch.setMetadata(new ObjectMetaBuilder().withName(policy.getMetadata().getName()).build());
        patch.setStatus(status);
        return patch;
    }
}
