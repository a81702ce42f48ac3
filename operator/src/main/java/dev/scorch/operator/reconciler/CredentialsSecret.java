package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.resources.CollectorCredentials;
import dev.scorch.operator.resources.CollectorLabels;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The collectors' credentials Secret ({@link CollectorCredentials}), kept in step with the Secrets
 * the policies name. The informer keeps key names and versions only ({@link SecretKeyStore}), so the
 * sources' values are read only when the copy must be rewritten, and kept nowhere.
 */
final class CredentialsSecret {
    private static final Logger LOG = Logger.getLogger(CredentialsSecret.class);

    private final OperatorSettings settings;
    private final InformerEventSource<Secret, ProfilingPolicy> secrets;

    CredentialsSecret(OperatorSettings settings, InformerEventSource<Secret, ProfilingPolicy> secrets) {
        this.settings = settings;
        this.secrets = secrets;
    }

    /** The live credentials Secret (key names and recorded sources only), or null. */
    Secret live() {
        return cached(CollectorLabels.CREDENTIALS_NAME);
    }

    /** The versions of the Secrets {@code policies} copy from, in the form the credentials Secret records them. */
    String sourceVersions(List<ProfilingPolicy> policies) {
        return sources(CollectorCredentials.copies(policies));
    }

    /**
     * Rewrites the credentials Secret when a source Secret's version, the set of copied keys or the
     * owners changed, and deletes it when no policy names a Secret.
     */
    void apply(KubernetesClient client, List<ProfilingPolicy> serving, String trigger) {
        List<CollectorCredentials.Copy> copies = CollectorCredentials.copies(serving);
        Secret live = live();
        if (copies.isEmpty()) {
            if (live != null) {
                LOG.infof("Deleting the collectors' credentials: no policy names a Secret any more: trigger=%s", trigger);
                client.resource(live).delete();
            }
            return;
        }
        if (live != null && sources(copies).equals(annotation(live, CollectorCredentials.SOURCES))
                && AppliedObjects.owners(live).equals(serving.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet()))
                && keys(live).equals(copiesPresent(copies))) {
            return;
        }
        Map<String, Secret> values = new HashMap<>();
        for (String name : copies.stream().map(CollectorCredentials.Copy::secret).collect(Collectors.toSet())) {
            Secret source = client.secrets().inNamespace(settings.namespace()).withName(name).get();
            if (source != null) {
                values.put(name, source);
            }
        }
        Secret desired = CollectorCredentials.desired(serving, copies, values, settings);
        LOG.infof("Applying a collector object: trigger=%s kind=Secret object=%s/%s reason=\"%s\"", trigger,
                settings.namespace(), CollectorLabels.CREDENTIALS_NAME, live == null ? "it does not exist" : "its sources changed");
        client.resource(desired).fieldManager(ProfilingPolicyReconciler.FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    private String sources(List<CollectorCredentials.Copy> copies) {
        return CollectorCredentials.sources(copies, name -> {
            Secret source = cached(name);
            return source == null ? "" : source.getMetadata().getResourceVersion();
        });
    }

    /** The file names the credentials Secret holds once written: copies whose source key exists. */
    private Set<String> copiesPresent(List<CollectorCredentials.Copy> copies) {
        return copies.stream().filter(copy -> {
            Secret source = cached(copy.secret());
            return source != null && source.getData() != null && source.getData().containsKey(copy.key());
        }).map(CollectorCredentials.Copy::file).collect(Collectors.toSet());
    }

    private Secret cached(String name) {
        return secrets.get(new ResourceID(name, settings.namespace())).orElse(null);
    }

    private static Set<String> keys(Secret secret) {
        return secret.getData() == null ? Set.of() : secret.getData().keySet();
    }

    private static String annotation(Secret secret, String key) {
        Map<String, String> annotations = secret.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }
}
