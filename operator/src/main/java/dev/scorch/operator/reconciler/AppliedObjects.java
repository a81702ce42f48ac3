package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.resources.OwnedFields;
import dev.scorch.operator.status.Observation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The shared objects' writes: each rendered object is server-side applied only where the cached
 * live object lacks a field of it or holds one with another value ({@link OwnedFields}), and the
 * last rendered state of each is kept, with the resourceVersion it was found or written at, so that
 * an informer event can be told apart as the echo of the operator's own write ({@link #asRendered}).
 */
final class AppliedObjects {
    private static final Logger LOG = Logger.getLogger(AppliedObjects.class);

    /**
     * The last state the operator rendered of an object, and the resourceVersion at which the live
     * object was seen to carry it (its write's answer, or the cached object that needed none); null
     * until then.
     */
    private record Rendered(HasMetadata desired, String version) {}

    /** The last state the operator rendered of each shared object ({@link #key}): what its own writes leave live. */
    private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

    /**
     * Whether {@code live} carries every field the operator last rendered for its kind, owners
     * included: the echo of the operator's own write, or a change beside its fields, which needs no
     * convergence.
     */
    boolean asRendered(HasMetadata live) {
        Rendered last = rendered.get(key(live));
        if (last == null) {
            return false;
        }
        // The echo of the write itself needs no walk of both objects (the DaemonSet's JSON, with an
        // owner per policy and its managed fields, is the largest the operator reads); a watch event
        // that beats the write's answer, or anyone else's change, is compared field by field.
        return live.getMetadata().getResourceVersion().equals(last.version()) || firstDifference(last.desired(), live).isEmpty();
    }

    /** Forgets what was rendered of {@code object}, before it is deleted. */
    void forget(HasMetadata object) {
        rendered.remove(key(object));
    }

    /**
     * Server-side applies {@code desired} when the cached object lacks a field of it or holds one
     * with another value (missing object, changed policies, hand edit). The informer is not told
     * of the result ahead of its watch event: java-operator-sdk would then drop that event, and a
     * write that moves the rollout must reach every policy's status ({@link AffectedPolicies} tells
     * the echo of a write apart).
     *
     * @return the object the API server answered with, or the cached one when nothing differed
     * @throws RefusedObject when the API server refuses the object as invalid (400 or 422)
     */
    <R extends HasMetadata> R apply(KubernetesClient client, InformerEventSource<R, ProfilingPolicy> cache, R desired,
            String trigger) {
        String key = key(desired);
        // Before the write: its watch event can arrive before the write returns.
        Rendered unwritten = new Rendered(desired, null);
        rendered.put(key, unwritten);
        R actual = cache.get(ResourceID.fromResource(desired)).orElse(null);
        Optional<String> difference = firstDifference(desired, actual);
        if (difference.isEmpty()) {
            rendered.replace(key, unwritten, new Rendered(desired, actual.getMetadata().getResourceVersion()));
            return actual;
        }
        String object = desired.getMetadata().getNamespace() + "/" + desired.getMetadata().getName();
        LOG.infof("Applying a collector object: trigger=%s kind=%s object=%s reason=\"%s\"", trigger, desired.getKind(),
                object, actual == null ? "it does not exist" : "it differs at " + difference.get());
        try {
            R written = client.resource(desired).fieldManager(ProfilingPolicyReconciler.FIELD_MANAGER).forceConflicts()
                    .serverSideApply();
            rendered.replace(key, unwritten, new Rendered(desired, written.getMetadata().getResourceVersion()));
            return written;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 || e.getCode() == 422) {
                throw new RefusedObject(RefusalBlame.invalidOf(e, desired.getKind() + " " + object));
            }
            throw e;
        }
    }

    /**
     * Where {@code live} first differs from {@code desired}. The owners are compared first, by uid:
     * a policy added or deleted changes them, and the answer then needs no walk of both objects'
     * JSON (the DaemonSet's, with an owner reference per policy and its managed fields, is the
     * largest the operator reads on the way to its write).
     */
    private static Optional<String> firstDifference(HasMetadata desired, HasMetadata live) {
        if (live != null && !owners(live).equals(owners(desired))) {
            return Optional.of("metadata.ownerReferences");
        }
        return OwnedFields.firstDifference(desired, live);
    }

    /** The uids of the policies that own {@code object}. */
    static Set<String> owners(HasMetadata object) {
        List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
        return owners == null ? Set.of() : owners.stream().map(OwnerReference::getUid).collect(Collectors.toSet());
    }

    private static String key(HasMetadata object) {
        return object.getClass().getSimpleName() + "/" + object.getMetadata().getName();
    }

    /** A collector object the API server refused as invalid. */
    static final class RefusedObject extends RuntimeException {
        private final transient Observation.Invalid invalid;

        RefusedObject(Observation.Invalid invalid) {
            super(invalid.message(), null, false, false);
            this.invalid = invalid;
        }

        Observation.Invalid invalid() {
            return invalid;
        }
    }
}
