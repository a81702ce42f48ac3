package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.resources.CollectorConfigMap;
import dev.scorch.operator.resources.CollectorDaemonSet;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.operator.status.Observation;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The objects every policy shares (the collectors' ConfigMap, credentials Secret and DaemonSet),
 * converged to the policies to serve. Reconciles run per policy and in parallel, so each reads all
 * policies from the informer cache and renders the shared objects from them (a pure function of
 * them) under one lock: a reconcile that started before a policy was added cannot apply a state
 * without it after one that has it. Each object is applied only where it differs
 * ({@link AppliedObjects}); the credentials Secret by {@link CredentialsSecret}. Between a write and
 * its watch event, a reconcile finds the memo of its inputs unchanged and writes nothing.
 *
 * <p>A DaemonSet the API server refuses (an admission policy of the cluster, a value no schema
 * checks) is blamed on the policies it refuses alone ({@link RefusalBlame}); they are left out and
 * the others are served, and tried again later ({@link RefusedPolicies}).
 */
final class SharedCollector {
    private static final Logger LOG = Logger.getLogger(SharedCollector.class);

    private final OperatorSettings settings;
    private final InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets;
    private final InformerEventSource<ConfigMap, ProfilingPolicy> configMaps;
    private final CredentialsSecret credentials;
    private final RefusedPolicies refusals;
    private final RefusalBlame blame;
    private final AppliedObjects applied = new AppliedObjects();
    private final Object lock = new Object();
    /** The inputs of the last convergence, guarded by {@link #lock}. */
    private String converged = "";

    SharedCollector(OperatorSettings settings, InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets,
            InformerEventSource<ConfigMap, ProfilingPolicy> configMaps, InformerEventSource<Secret, ProfilingPolicy> secrets,
            Duration firstRetry, Clock clock) {
        this.settings = settings;
        this.refusals = new RefusedPolicies(firstRetry, clock);
        this.blame = new RefusalBlame(settings, refusals);
        this.daemonSets = daemonSets;
        this.configMaps = configMaps;
        this.credentials = new CredentialsSecret(settings, secrets);
    }

    /** Whether {@code live} is the echo of the operator's own write, or changed beside its fields ({@link AppliedObjects}). */
    boolean asRendered(HasMetadata live) {
        return applied.asRendered(live);
    }

    /** Why the API server refused to run this generation of {@code policy}, while it is not due to be tried again. */
    Optional<Observation.Invalid> refusal(ProfilingPolicy policy) {
        return refusals.standing(policy);
    }

    /** How long until a refused {@code policy} is tried again; empty when it is not refused. */
    Optional<Duration> retryIn(ProfilingPolicy policy) {
        return refusals.retryIn(policy);
    }

    /**
     * Makes the shared objects serve the {@code policies} (those neither suspended nor invalid, read
     * from the cache under the lock)
     * minus those the API server refused, deletes them when there is nothing to serve, and deletes
     * the per-policy objects of earlier versions.
     *
     * @return the collector DaemonSet, or null when none runs
     */
    DaemonSet converge(KubernetesClient client, Supplier<List<ProfilingPolicy>> policies, String trigger) {
        synchronized (lock) {
            // Read under the lock: a list read before it could miss a policy added while this
            // reconcile waited, and applying it would take that policy out again (each such write
            // then undone by the next reconcile: three writes of each object per apply, measured).
            List<ProfilingPolicy> candidates = policies.get();
            // Most reconciles follow a collector's pod condition: nothing the shared objects depend on moved.
            if (inputs(candidates).equals(converged)) {
                return cached(daemonSets, CollectorLabels.OBJECT_NAME);
            }
            DaemonSet daemonSet = serve(client, candidates, trigger);
            deletePerPolicyObjects(client);
            converged = inputs(candidates);
            return daemonSet;
        }
    }

    /**
     * Everything the shared objects are rendered from or compared with: each candidate's identity and
     * generation, the versions of the live shared objects and of the Secrets the candidates name, the
     * standing refusals, and whether objects of earlier versions are left.
     */
    private String inputs(List<ProfilingPolicy> candidates) {
        StringBuilder inputs = new StringBuilder();
        candidates.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).forEach(p -> inputs
                .append(p.getMetadata().getName()).append(':').append(p.getMetadata().getUid()).append(':')
                .append(generation(p)).append(';'));
        for (HasMetadata live : java.util.Arrays.asList(cached(daemonSets, CollectorLabels.OBJECT_NAME),
                cached(configMaps, CollectorLabels.OBJECT_NAME), credentials.live())) {
            inputs.append(live == null ? "-" : live.getMetadata().getResourceVersion()).append(';');
        }
        inputs.append(credentials.sourceVersions(candidates));
        inputs.append(';').append(candidates.stream().filter(p -> refusals.standing(p).isPresent())
                        .map(p -> p.getMetadata().getName()).sorted().toList()).append(';')
                .append(daemonSets.list(settings.namespace(), CollectorLabels::isPerPolicy).count())
                .append(configMaps.list(settings.namespace(), CollectorLabels::isPerPolicy).count());
        return inputs.toString();
    }

    private DaemonSet serve(KubernetesClient client, List<ProfilingPolicy> candidates, String trigger) {
        if (candidates.isEmpty()) {
            deleteShared(client, trigger);
            return null;
        }
        List<ProfilingPolicy> serving = candidates.stream().filter(p -> refusal(p).isEmpty())
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        if (serving.isEmpty()) {
            // Every policy is refused: keep what runs rather than stop every collector.
            return cached(daemonSets, CollectorLabels.OBJECT_NAME);
        }
        // The credentials before the DaemonSet: their volume is optional, and a new pod that found
        // none would wait for the kubelet's next sync. The ConfigMap after it: its volume is required
        // (a new pod waits for it), and a refused DaemonSet then leaves collector.json as it was
        // instead of naming a policy no collector will serve.
        credentials.apply(client, serving, trigger);
        DaemonSet daemonSet;
        try {
            daemonSet = applied.apply(client, daemonSets, CollectorDaemonSet.desired(serving, settings), trigger);
        } catch (AppliedObjects.RefusedObject refused) {
            blame.blame(client, serving, refused.invalid());
            return serve(client, candidates, trigger);
        }
        applied.apply(client, configMaps, CollectorConfigMap.desired(serving, settings), trigger);
        serving.forEach(refusals::accepted);
        return daemonSet;
    }

    private void deleteShared(KubernetesClient client, String trigger) {
        for (HasMetadata object : List.of(
                Optional.<HasMetadata>ofNullable(cached(daemonSets, CollectorLabels.OBJECT_NAME)),
                Optional.<HasMetadata>ofNullable(cached(configMaps, CollectorLabels.OBJECT_NAME)),
                Optional.<HasMetadata>ofNullable(credentials.live()))
                .stream().flatMap(Optional::stream).toList()) {
            applied.forget(object);
            LOG.infof("Deleting a collector object: no policy needs collectors: trigger=%s kind=%s object=%s/%s", trigger,
                    object.getKind(), settings.namespace(), object.getMetadata().getName());
            client.resource(object).delete();
        }
    }

    /** Deletes the DaemonSets and ConfigMaps of the versions with one DaemonSet per policy. */
    private void deletePerPolicyObjects(KubernetesClient client) {
        List<HasMetadata> old = java.util.stream.Stream.concat(
                daemonSets.list(settings.namespace(), CollectorLabels::isPerPolicy),
                configMaps.list(settings.namespace(), CollectorLabels::isPerPolicy)).map(HasMetadata.class::cast).toList();
        for (HasMetadata object : old) {
            LOG.infof("Deleting a per-policy collector object of an earlier version: kind=%s object=%s/%s", object.getKind(),
                    settings.namespace(), object.getMetadata().getName());
            client.resource(object).delete();
        }
    }

    private <R extends HasMetadata> R cached(InformerEventSource<R, ProfilingPolicy> cache, String name) {
        return cache.get(new ResourceID(name, settings.namespace())).orElse(null);
    }

    private static long generation(ProfilingPolicy policy) {
        return Objects.requireNonNullElse(policy.getMetadata().getGeneration(), 0L);
    }
}
