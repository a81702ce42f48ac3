package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Metadata shared by every owned object: name, labels, and the owner reference that lets the
 * garbage collector remove it with its policy. {@link OwnedFields} tells whether one must be written.
 */
public final class Owned {
    private Owned() {}

    static ObjectMeta metadata(ProfilingPolicy policy, String name, String namespace) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(CollectorLabels.of(policy))
                .withOwnerReferences(ownerReference(policy))
                .build();
    }

    static OwnerReference ownerReference(ProfilingPolicy policy) {
        return new OwnerReferenceBuilder()
                .withApiVersion(policy.getApiVersion())
                .withKind(policy.getKind())
                .withName(policy.getMetadata().getName())
                .withUid(policy.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(false)
                .build();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
