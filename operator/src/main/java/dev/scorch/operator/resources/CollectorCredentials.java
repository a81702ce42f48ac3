package dev.scorch.operator.resources;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.SecretKeyReference;
import dev.scorch.operator.api.v1alpha1.TlsSettings;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The one Secret the collectors mount whole, scorch-collector-credentials: a copy of each Secret key
 * a policy's backend names, as file {@code <policy>.<backend>.<file>}. Mounted without items, it is
 * updated in place by the kubelet, so a new policy's or a rotated credential reaches the collectors
 * without a new pod; one projected volume per Secret would change the pod template instead
 * (docs/decisions.md).
 *
 * <p>The copy is rewritten only when a source Secret changes: annotation {@link #SOURCES} holds the
 * resourceVersion of every source, so the operator compares versions, never values, and keeps no
 * value in its caches.
 */
public final class CollectorCredentials {
    public static final String MOUNT_DIRECTORY = "/etc/scorch/secrets";
    /** Annotation listing each source Secret with the resourceVersion copied, e.g. {@code grafana=1042,parca-token=977}. */
    public static final String SOURCES = "scorch.dev/sources";
    public static final String USERNAME_FILE = "username";
    public static final String PASSWORD_FILE = "password";
    public static final String TOKEN_FILE = "token";
    public static final String CA_FILE = "ca.crt";

    /**
     * One key to copy.
     *
     * @param secret the source Secret in the install namespace
     * @param key the key in it
     * @param file the key in the credentials Secret, and so the file name in the collector
     */
    public record Copy(String secret, String key, String file) {}

    private CollectorCredentials() {}

    /** The file in the collector holding {@code file} of {@code backend} of {@code policy}. */
    public static String path(String policy, Backend backend, String file) {
        return MOUNT_DIRECTORY + "/" + fileName(policy, backend.name(), file);
    }

    static String fileName(String policy, String backend, String file) {
        return policy + "." + backend + "." + file;
    }

    /** Every key the policies' backends name, by policy and backend. */
    public static List<Copy> copies(List<ProfilingPolicy> policies) {
        List<Copy> copies = new ArrayList<>();
        for (ProfilingPolicy policy : policies) {
            String name = policy.getMetadata().getName();
            for (Backend backend : policy.getSpec().export().backends()) {
                if (backend.pyroscope() != null && backend.pyroscope().basicAuthSecretRef() != null) {
                    String secret = backend.pyroscope().basicAuthSecretRef().name();
                    copies.add(new Copy(secret, USERNAME_FILE, fileName(name, backend.name(), USERNAME_FILE)));
                    copies.add(new Copy(secret, PASSWORD_FILE, fileName(name, backend.name(), PASSWORD_FILE)));
                }
                SecretKeyReference bearer = backend.bearerTokenSecretRef();
                if (bearer != null) {
                    copies.add(new Copy(bearer.name(), bearer.key(), fileName(name, backend.name(), TOKEN_FILE)));
                }
                TlsSettings tls = backend.tls();
                if (tls != null && tls.caSecretRef() != null) {
                    copies.add(new Copy(tls.caSecretRef().name(), tls.caSecretRef().key(), fileName(name, backend.name(), CA_FILE)));
                }
            }
        }
        return copies;
    }

    /** The {@link #SOURCES} value for {@code copies}, given each source Secret's resourceVersion. */
    public static String sources(List<Copy> copies, Function<String, String> resourceVersion) {
        TreeSet<String> names = new TreeSet<>();
        copies.forEach(copy -> names.add(copy.secret()));
        return String.join(",", names.stream().map(name -> name + "=" + resourceVersion.apply(name)).toList());
    }

    /**
     * The credentials Secret holding {@code copies}, read from {@code sources} (the source Secrets with
     * their values, by name); a key a source lacks is left out (the policy is SecretKeyMissing).
     */
    public static Secret desired(List<ProfilingPolicy> policies, List<Copy> copies, Map<String, Secret> sources,
            OperatorSettings settings) {
        Map<String, String> data = new TreeMap<>();
        for (Copy copy : copies) {
            Secret source = sources.get(copy.secret());
            String value = source == null || source.getData() == null ? null : source.getData().get(copy.key());
            if (value != null) {
                data.put(copy.file(), value);
            }
        }
        ObjectMeta metadata = Owned.metadata(policies, CollectorLabels.CREDENTIALS_NAME, settings.namespace());
        metadata.setAnnotations(Map.of(SOURCES, sources(copies, name -> sources.containsKey(name)
                ? sources.get(name).getMetadata().getResourceVersion() : "")));
        return new SecretBuilder().withMetadata(metadata).withType("Opaque").withData(data).build();
    }
}
