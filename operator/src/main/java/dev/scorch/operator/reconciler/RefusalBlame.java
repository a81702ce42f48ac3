package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.resources.CollectorDaemonSet;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.operator.resources.PolicyFieldOfDaemonSet;
import dev.scorch.operator.status.Observation;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Which policies a collector DaemonSet the API server refused is to blame on: those whose DaemonSet
 * alone it refuses (server dry runs, nothing written, only after a refusal), or every policy served
 * when none is refused alone. The blamed ones are recorded in {@link RefusedPolicies}.
 */
final class RefusalBlame {
    private static final Logger LOG = Logger.getLogger(RefusalBlame.class);

    private final OperatorSettings settings;
    private final RefusedPolicies refusals;

    RefusalBlame(OperatorSettings settings, RefusedPolicies refusals) {
        this.settings = settings;
        this.refusals = refusals;
    }

    /** Why the API server refuses {@code daemonSet}, from a dry run (nothing written); empty when it accepts it. */
    private Optional<Observation.Invalid> dryRunRefusal(KubernetesClient client, DaemonSet daemonSet) {
        try {
            client.resource(daemonSet).dryRun().fieldManager(ProfilingPolicyReconciler.FIELD_MANAGER).forceConflicts().serverSideApply();
            return Optional.empty();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 || e.getCode() == 422) {
                return Optional.of(invalidOf(e, "DaemonSet " + settings.namespace() + "/" + CollectorLabels.OBJECT_NAME));
            }
            throw e;
        }
    }

    /**
     * Finds the policies whose DaemonSet alone the API server refuses (dry runs, nothing written)
     * and records them; when none is refused alone, the refusal is every policy's.
     */
    void blame(KubernetesClient client, List<ProfilingPolicy> serving, Observation.Invalid invalid) {
        List<ProfilingPolicy> refusedAlone = serving.stream().filter(policy -> {
            Optional<Observation.Invalid> alone = dryRunRefusal(client, CollectorDaemonSet.desired(List.of(policy), settings));
            alone.ifPresent(why -> refusals.refuse(policy, why));
            return alone.isPresent();
        }).toList();
        if (refusedAlone.isEmpty()) {
            serving.forEach(policy -> refusals.refuse(policy, invalid));
        }
        LOG.warnf("The API server refused the collector DaemonSet; not serving the policies it refuses: policies=%s message=\"%s\"",
                (refusedAlone.isEmpty() ? serving : refusedAlone).stream().map(p -> p.getMetadata().getName()).toList(),
                invalid.message());
    }

    /** A refusal (400 or 422) as an InvalidSpec observation naming the object and, where it can, the policy field to check. */
    static Observation.Invalid invalidOf(KubernetesClientException e, String object) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        String fix = PolicyFieldOfDaemonSet.in(message).map(field -> "; check " + field).orElse("");
        return new Observation.Invalid(ProfilingPolicyReconciler.INVALID_SPEC,
                "the API server refused the collector's " + object + ": " + message + fix);
    }
}
