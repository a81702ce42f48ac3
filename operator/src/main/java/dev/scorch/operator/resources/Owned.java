package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Metadata shared by every owned object: name, labels, the owner reference that lets the garbage
 * collector remove it with its policy, and the hash of the desired object that tells the reconciler
 * whether it must write.
 */
public final class Owned {
    /** Hash of the desired object as last applied; equal hashes mean nothing to write. */
    public static final String DESIRED_HASH = "scorch.dev/desired-hash";

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

    /** Stamps {@code object} with the hash of its own content and returns it. */
    static <T extends HasMetadata> T stamped(T object) {
        object.getMetadata().setAnnotations(Map.of(DESIRED_HASH, sha256(Serialization.asJson(object))));
        return object;
    }

    /** Whether {@code actual} was applied from exactly {@code desired}. */
    public static boolean upToDate(HasMetadata desired, HasMetadata actual) {
        if (actual == null || actual.getMetadata().getAnnotations() == null) {
            return false;
        }
        return desired.getMetadata().getAnnotations().get(DESIRED_HASH)
                .equals(actual.getMetadata().getAnnotations().get(DESIRED_HASH));
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
