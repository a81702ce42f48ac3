package dev.scorch.operator.reconciler;

import dev.scorch.operator.resources.CollectorCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Secret informer's store: it keeps a Secret's identity and key names, never its values (nor
 * its annotations, where kubectl apply copies them, except the credentials Secret's record of its
 * sources' versions). The operator only checks that the keys a policy
 * names exist; the collectors read the values from their own mounts, so the operator's heap keeps
 * no credential.
 */
final class SecretKeyStore extends BasicItemStore<Secret> {
    SecretKeyStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public Secret put(String key, Secret secret) {
        return super.put(key, new SecretBuilder()
                .withNewMetadata()
                .withName(secret.getMetadata().getName())
                .withNamespace(secret.getMetadata().getNamespace())
                .withUid(secret.getMetadata().getUid())
                .withResourceVersion(secret.getMetadata().getResourceVersion())
                .withAnnotations(sourcesOnly(secret.getMetadata().getAnnotations()))
                .withOwnerReferences(secret.getMetadata().getOwnerReferences())
                .endMetadata()
                .withType(secret.getType())
                .withData(keysOnly(secret.getData()))
                .withStringData(keysOnly(secret.getStringData()))
                .build());
    }

    /**
     * The credentials Secret's record of what it copied (names and versions, no value); empty, never
     * null, for any other Secret: java-operator-sdk reads the annotations of the objects it is given.
     */
    private static Map<String, String> sourcesOnly(Map<String, String> annotations) {
        String sources = annotations == null ? null : annotations.get(CollectorCredentials.SOURCES);
        return sources == null ? Map.of() : Map.of(CollectorCredentials.SOURCES, sources);
    }

    private static Map<String, String> keysOnly(Map<String, String> data) {
        if (data == null) {
            return null;
        }
        Map<String, String> keys = new LinkedHashMap<>();
        data.keySet().forEach(k -> keys.put(k, ""));
        return keys;
    }
}
