package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Comparator;
import java.util.List;

/**
 * Metadata shared by every owned object: name, labels, and one owner reference per policy served.
 * No policy is the controller of an object every policy shares; the garbage collector removes a
 * deleted policy's reference, and the object itself once no policy is left.
 * {@link OwnedFields} tells whether one must be written.
 */
public final class Owned {
    private Owned() {}

    static ObjectMeta metadata(List<ProfilingPolicy> owners, String name, String namespace) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(CollectorLabels.labels())
                .withOwnerReferences(owners.stream()
                        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                        .map(Owned::ownerReference)
                        .toList())
                .build();
    }

    static OwnerReference ownerReference(ProfilingPolicy policy) {
        return new OwnerReferenceBuilder()
                .withApiVersion(policy.getApiVersion())
                .withKind(policy.getKind())
                .withName(policy.getMetadata().getName())
                .withUid(policy.getMetadata().getUid())
                .withController(false)
                .withBlockOwnerDeletion(false)
                .build();
    }
}
