package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.resources.CollectorClusterRoleBinding;
import dev.scorch.operator.resources.CollectorConfigMap;
import dev.scorch.operator.resources.CollectorDaemonSet;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.operator.resources.CollectorServiceAccount;
import dev.scorch.operator.resources.OwnedFields;
import dev.scorch.operator.status.Observation;
import dev.scorch.operator.status.StatusAggregator;
import dev.scorch.operator.validation.SecretReferences;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Turns a ProfilingPolicy into its collector objects and folds their health into its status, in
 * three separate steps: observe (informer caches, the named Secrets), validate (what CEL cannot
 * check), reconcile (apply only what differs from the last applied state), then status.
 *
 * <p>An owned object is applied only when the live object lacks a field the operator sets or holds
 * another value there ({@link OwnedFields}): a steady cluster costs no writes, and a hand edit of a
 * field the operator owns is undone on the edit's own event.
 */
@ControllerConfiguration(name = ProfilingPolicyReconciler.NAME)
public class ProfilingPolicyReconciler implements Reconciler<ProfilingPolicy> {
    public static final String NAME = "profilingpolicy";
    public static final String FIELD_MANAGER = "scorch-operator";
    /** How often a policy with a problem the operator cannot watch (a missing Secret) is checked again. */
    static final Duration RECHECK_INVALID = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(ProfilingPolicyReconciler.class);

    private final OperatorSettings settings;
    private final Clock clock;
    private final Duration recheckInvalid;
    private InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets;
    private InformerEventSource<ConfigMap, ProfilingPolicy> configMaps;
    private InformerEventSource<ServiceAccount, ProfilingPolicy> serviceAccounts;
    private InformerEventSource<ClusterRoleBinding, ProfilingPolicy> bindings;
    private InformerEventSource<Pod, ProfilingPolicy> pods;

    @Inject
    public ProfilingPolicyReconciler(OperatorSettings settings) {
        this(settings, Clock.systemUTC(), RECHECK_INVALID);
    }

    /** For tests: a fixed clock or a shorter recheck of invalid policies. */
    public ProfilingPolicyReconciler(OperatorSettings settings, Clock clock, Duration recheckInvalid) {
        this.settings = settings;
        this.clock = clock;
        this.recheckInvalid = recheckInvalid;
    }

    @Override
    public List<EventSource<?, ProfilingPolicy>> prepareEventSources(EventSourceContext<ProfilingPolicy> context) {
        daemonSets = informer(DaemonSet.class, CollectorLabels.MANAGED_SELECTOR, context, true);
        configMaps = informer(ConfigMap.class, CollectorLabels.MANAGED_SELECTOR, context, true);
        serviceAccounts = informer(ServiceAccount.class, CollectorLabels.MANAGED_SELECTOR, context, true);
        bindings = informer(ClusterRoleBinding.class, CollectorLabels.MANAGED_SELECTOR, context, false);
        pods = informer(Pod.class, CollectorLabels.COLLECTOR_POD_SELECTOR, context, true);
        return List.of(daemonSets, configMaps, serviceAccounts, bindings, pods);
    }

    /** An informer on the operator's own objects only: its namespace, its label selector. */
    private <R extends HasMetadata> InformerEventSource<R, ProfilingPolicy> informer(
            Class<R> type, String selector, EventSourceContext<ProfilingPolicy> context, boolean namespaced) {
        var config = InformerEventSourceConfiguration.from(type, ProfilingPolicy.class)
                .withName(type.getSimpleName())
                .withLabelSelector(selector)
                .withSecondaryToPrimaryMapper(owned -> {
                    String policy = owned.getMetadata().getLabels() == null
                            ? null : owned.getMetadata().getLabels().get(CollectorLabels.INSTANCE);
                    return policy == null ? Set.of() : Set.of(new ResourceID(policy));
                });
        if (namespaced) {
            config.withNamespaces(settings.namespace());
        }
        return new InformerEventSource<>(config.build(), context);
    }

    @Override
    public UpdateControl<ProfilingPolicy> reconcile(ProfilingPolicy policy, Context<ProfilingPolicy> context) {
        KubernetesClient client = context.getClient();
        String name = CollectorLabels.objectName(policy);
        String namespace = settings.namespace();

        DaemonSet daemonSet = daemonSets.get(new ResourceID(name, namespace)).orElse(null);
        Optional<Observation.Invalid> invalid = SecretReferences.validate(policy, namespace,
                secret -> client.secrets().inNamespace(namespace).withName(secret).get());

        if (invalid.isPresent()) {
            LOG.warnf("policy %s not rolled out: %s", policy.getMetadata().getName(), invalid.get().message());
        } else if (policy.getSpec().suspend()) {
            if (daemonSet != null) {
                LOG.infof("policy %s suspended: deleting DaemonSet %s/%s", policy.getMetadata().getName(), namespace, name);
                client.resource(daemonSet).delete();
                daemonSet = null;
            }
        } else {
            apply(client, serviceAccounts, CollectorServiceAccount.desired(policy, settings));
            apply(client, bindings, CollectorClusterRoleBinding.desired(policy, settings));
            ConfigMap config = apply(client, configMaps, CollectorConfigMap.desired(policy, settings));
            daemonSet = apply(client, daemonSets,
                    CollectorDaemonSet.desired(policy, settings, config.getData().get(CollectorConfigMap.KEY)));
        }

        List<Pod> collectorPods = pods.list(namespace,
                pod -> policy.getMetadata().getName().equals(StatusAggregator.policyOf(pod))).toList();
        Observation seen = new Observation(policy.getSpec().suspend(), invalid, daemonSet, collectorPods);
        ProfilingPolicyStatus status = StatusAggregator.aggregate(policy, seen, clock.instant());

        UpdateControl<ProfilingPolicy> control;
        if (status.equals(policy.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            PolicyEvents.record(client, PolicyEvents.transitions(policy, policy.getStatus(), status, clock.instant()));
            control = UpdateControl.patchStatus(statusOnly(policy, status));
        }
        return invalid.isPresent() ? control.rescheduleAfter(recheckInvalid) : control;
    }

    /**
     * Server-side applies {@code desired} when the cached object lacks a field of it or holds one
     * with another value (missing object, changed policy, hand edit), and tells the informer about
     * the result so the next reconcile sees it.
     */
    private <R extends HasMetadata> R apply(
            KubernetesClient client, InformerEventSource<R, ProfilingPolicy> cache, R desired) {
        ResourceID id = ResourceID.fromResource(desired);
        R actual = cache.get(id).orElse(null);
        Optional<String> difference = OwnedFields.firstDifference(desired, actual);
        if (difference.isEmpty()) {
            return actual;
        }
        LOG.infof("policy %s: applying %s %s (differs at %s)",
                desired.getMetadata().getLabels().get(CollectorLabels.INSTANCE), desired.getKind(), id,
                difference.get());
        R applied = client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        if (actual == null) {
            cache.handleRecentResourceCreate(id, applied);
        } else {
            cache.handleRecentResourceUpdate(id, applied, actual);
        }
        return applied;
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
