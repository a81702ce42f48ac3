package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.resources.CollectorConfigMap;
import dev.scorch.operator.resources.CollectorDaemonSet;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.operator.resources.OwnedFields;
import dev.scorch.operator.resources.PolicyFieldOfDaemonSet;
import dev.scorch.operator.status.Observation;
import dev.scorch.operator.status.StatusAggregator;
import dev.scorch.operator.validation.SecretReferences;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Turns a ProfilingPolicy into its collector objects and folds their health into its status, in
 * three separate steps: observe (informer caches, the named Secrets), validate (what CEL cannot
 * check), reconcile (apply only what differs from the last applied state), then status.
 *
 * <p>An owned object is applied only when the live object lacks a field the operator sets or holds
 * another value there ({@link OwnedFields}): a steady cluster costs no writes, and a hand edit of a
 * field the operator owns is undone on the edit's own event. A collector object the API server
 * refuses (a value the CRD schema cannot check) makes the policy {@code InvalidSpec} with the
 * server's message, in the same reconcile, instead of a retry that can only fail again.
 */
@ControllerConfiguration(name = ProfilingPolicyReconciler.NAME)
public class ProfilingPolicyReconciler implements Reconciler<ProfilingPolicy> {
    public static final String NAME = "profilingpolicy";
    public static final String FIELD_MANAGER = "scorch-operator";
    /** The reason of a policy whose collector objects the API server refuses. */
    public static final String INVALID_SPEC = "InvalidSpec";
    private static final Logger LOG = Logger.getLogger(ProfilingPolicyReconciler.class);

    private final OperatorSettings settings;
    private final Clock clock;
    private InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets;
    private InformerEventSource<ConfigMap, ProfilingPolicy> configMaps;
    private InformerEventSource<Pod, ProfilingPolicy> pods;
    private InformerEventSource<Secret, ProfilingPolicy> secrets;

    @Inject
    public ProfilingPolicyReconciler(OperatorSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** For tests: a fixed clock. */
    public ProfilingPolicyReconciler(OperatorSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, ProfilingPolicy>> prepareEventSources(EventSourceContext<ProfilingPolicy> context) {
        daemonSets = owned(DaemonSet.class, CollectorLabels.MANAGED_SELECTOR, context);
        configMaps = owned(ConfigMap.class, CollectorLabels.MANAGED_SELECTOR, context);
        pods = owned(Pod.class, CollectorLabels.COLLECTOR_POD_SELECTOR, context);
        secrets = new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, ProfilingPolicy.class)
                .withName(Secret.class.getSimpleName())
                .withNamespaces(settings.namespace())
                .withItemStore(new SecretKeyStore())
                .withSecondaryToPrimaryMapper(secret -> context.getPrimaryCache()
                        .list(policy -> SecretReferences.names(policy, secret.getMetadata().getName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .build(), context);
        return List.of(daemonSets, configMaps, pods, secrets);
    }

    /** An informer on the operator's own objects only: its namespace, its label selector. */
    private <R extends HasMetadata> InformerEventSource<R, ProfilingPolicy> owned(
            Class<R> type, String selector, EventSourceContext<ProfilingPolicy> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, ProfilingPolicy.class)
                .withName(type.getSimpleName())
                .withLabelSelector(selector)
                .withNamespaces(settings.namespace())
                .withSecondaryToPrimaryMapper(owned -> {
                    String policy = owned.getMetadata().getLabels() == null
                            ? null : owned.getMetadata().getLabels().get(CollectorLabels.INSTANCE);
                    return policy == null ? Set.of() : Set.of(new ResourceID(policy));
                })
                .build(), context);
    }

    @Override
    public UpdateControl<ProfilingPolicy> reconcile(ProfilingPolicy policy, Context<ProfilingPolicy> context) {
        KubernetesClient client = context.getClient();
        String policyName = policy.getMetadata().getName();
        String namespace = settings.namespace();

        DaemonSet daemonSet = daemonSets.get(new ResourceID(CollectorLabels.objectName(policy), namespace)).orElse(null);
        Optional<Observation.Invalid> invalid = SecretReferences.validate(policy, namespace,
                secret -> secrets.get(new ResourceID(secret, namespace)).orElse(null));

        if (invalid.isPresent()) {
            LOG.warnf("Not rolling out the policy until it is fixed: policy=%s reason=%s message=\"%s\"",
                    policyName, invalid.get().reason(), invalid.get().message());
        } else if (policy.getSpec().suspend()) {
            if (daemonSet != null) {
                LOG.infof("Deleting the collector DaemonSet of a suspended policy: policy=%s daemonSet=%s/%s",
                        policyName, namespace, daemonSet.getMetadata().getName());
                client.resource(daemonSet).delete();
                daemonSet = null;
            }
        } else {
            try {
                ConfigMap config = apply(client, configMaps, CollectorConfigMap.desired(policy, settings), policyName);
                daemonSet = apply(client, daemonSets,
                        CollectorDaemonSet.desired(policy, settings, config.getData().get(CollectorConfigMap.KEY)), policyName);
            } catch (RefusedObject refused) {
                invalid = Optional.of(refused.invalid());
                LOG.warnf("The API server refused a collector object, so the policy is InvalidSpec: policy=%s message=\"%s\"",
                        policyName, refused.invalid().message());
            }
        }

        List<Pod> collectorPods = pods.list(namespace, pod -> policyName.equals(StatusAggregator.policyOf(pod))).toList();
        Observation seen = new Observation(policy.getSpec().suspend(), invalid, daemonSet, collectorPods);
        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy, seen, clock.instant());

        if (status.equals(policy.getStatus())) {
            return UpdateControl.noUpdate();
        }
        PolicyEvents.record(client, PolicyEvents.ignoredFields(policy, clock.instant()));
        PolicyEvents.record(client, PolicyEvents.transitions(policy, policy.getStatus(), status, clock.instant()));
        PolicyEvents.record(client, PolicyEvents.captures(policy, policy.getStatus(), status, clock.instant()));
        return UpdateControl.patchStatus(statusOnly(policy, status));
    }

    /**
     * Server-side applies {@code desired} when the cached object lacks a field of it or holds one
     * with another value (missing object, changed policy, hand edit), and tells the informer about
     * the result so the next reconcile sees it.
     *
     * @throws RefusedObject when the API server refuses the object as invalid (400 or 422)
     */
    private static <R extends HasMetadata> R apply(
            KubernetesClient client, InformerEventSource<R, ProfilingPolicy> cache, R desired, String policy) {
        ResourceID id = ResourceID.fromResource(desired);
        R actual = cache.get(id).orElse(null);
        Optional<String> difference = OwnedFields.firstDifference(desired, actual);
        if (difference.isEmpty()) {
            return actual;
        }
        String object = desired.getMetadata().getNamespace() + "/" + desired.getMetadata().getName();
        LOG.infof("Applying a collector object: policy=%s kind=%s object=%s reason=\"%s\"", policy, desired.getKind(),
                object, actual == null ? "it does not exist" : "it differs at " + difference.get());
        R applied;
        try {
            applied = client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 || e.getCode() == 422) {
                String message = e.getStatus() != null && e.getStatus().getMessage() != null
                        ? e.getStatus().getMessage() : e.getMessage();
                String fix = PolicyFieldOfDaemonSet.in(message).map(field -> "; check " + field).orElse("");
                throw new RefusedObject(new Observation.Invalid(INVALID_SPEC,
                        "the API server refused the collector's " + desired.getKind() + " " + object + ": " + message + fix));
            }
            throw e;
        }
        if (actual == null) {
            cache.handleRecentResourceCreate(id, applied);
        } else {
            cache.handleRecentResourceUpdate(id, applied, actual);
        }
        return applied;
    }

    /** A collector object the API server refused as invalid: the policy asks for what cannot be. */
    private static final class RefusedObject extends RuntimeException {
        private final transient Observation.Invalid invalid;

        RefusedObject(Observation.Invalid invalid) {
            super(invalid.message(), null, false, false);
            this.invalid = invalid;
        }

        Observation.Invalid invalid() {
            return invalid;
        }
    }
    /**
     * A minimal object for the status patch: identity and status, nothing the user owns. No
     * resourceVersion: the leader is the only writer of status and recomputes all of it on every
     * reconcile, so a conflict check would only add retries (docs/decisions.md).
     */
    private static ProfilingPolicy statusOnly(ProfilingPolicy policy, ProfilingPolicyStatus status) {
        ProfilingPolicy patch = new ProfilingPolicy();
        patch.setMetadata(new ObjectMetaBuilder()
                .withName(policy.getMetadata().getName())
                .build());
        patch.setStatus(status);
        return patch;
    }
}
