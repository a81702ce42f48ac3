package dev.scorch.operator.reconciler;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.resources.CollectorLabels;
import dev.scorch.operator.status.Observation;
import dev.scorch.operator.status.PolicyNodes;
import dev.scorch.operator.status.StatusAggregator;
import dev.scorch.operator.validation.SecretReferences;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
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
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs the one collector DaemonSet every policy shares and folds its health into each policy's
 * status, in separate steps: observe (informer caches, the named Secrets), validate (what CEL cannot
 * check), converge the shared objects to every valid, non-suspended policy ({@link SharedCollector}),
 * then status from the collector pods on the nodes the policy selects.
 *
 * <p>Every reconcile renders the shared objects from all policies and applies only what differs from
 * the live objects ({@code OwnedFields}): a steady cluster costs no writes, a hand edit of a field
 * the operator owns is undone on the edit's own event, and a reconcile of any policy repairs what
 * another policy's change left to do.
 */
@ControllerConfiguration(name = ProfilingPolicyReconciler.NAME)
public class ProfilingPolicyReconciler implements Reconciler<ProfilingPolicy> {
    public static final String NAME = "profilingpolicy";
    public static final String FIELD_MANAGER = "scorch-operator";
    /** The reason of a policy whose collector objects the API server refuses. */
    public static final String INVALID_SPEC = "InvalidSpec";

    /** How long a policy the API server refused waits before it is tried again, the first time. */
    public static final Duration FIRST_REFUSAL_RETRY = Duration.ofMinutes(1);

    private final OperatorSettings settings;
    private final Clock clock;
    private final Duration firstRefusalRetry;
    private InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets;
    private InformerEventSource<ConfigMap, ProfilingPolicy> configMaps;
    private InformerEventSource<Pod, ProfilingPolicy> pods;
    private InformerEventSource<Node, ProfilingPolicy> nodes;
    private InformerEventSource<Secret, ProfilingPolicy> secrets;
    private SharedCollector shared;
    /**
     * Uids of policies the deletions informer saw deleted, until the primary cache drops them too:
     * the two informers watch apart, and a reconcile the deletion starts may still find the policy
     * in the primary cache and would serve it again, with no later event to take it out.
     */
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    /**
     * No index from a policy to its secondary objects: the reconciler reads the informer caches
     * directly, never through java-operator-sdk's index. Without a mapper this way, java-operator-sdk
     * keeps such an index and asks the secondary-to-primary mapper twice per event (for the index,
     * then for the event, whatever the event filters say): twice the echo comparison of each write
     * of the shared objects, twice the node selection of each collector pod's event, the policy list
     * sorted for every policy's status write, and the mapper asked for every Node heartbeat.
     */
    private static final PrimaryToSecondaryMapper<ProfilingPolicy> NO_INDEX = policy -> Set.of();
    private final PolicyStatusWriter statuses;

    @Inject
    public ProfilingPolicyReconciler(OperatorSettings settings) {
        this(settings, Clock.systemUTC(), FIRST_REFUSAL_RETRY);
    }

    /** For tests: a fixed clock, a shorter wait before a refused policy is tried again. */
    public ProfilingPolicyReconciler(OperatorSettings settings, Clock clock, Duration firstRefusalRetry) {
        this.settings = settings;
        this.clock = clock;
        this.firstRefusalRetry = firstRefusalRetry;
        this.statuses = new PolicyStatusWriter(clock);
    }

    @Override
    public List<EventSource<?, ProfilingPolicy>> prepareEventSources(EventSourceContext<ProfilingPolicy> context) {
        AffectedPolicies affected = new AffectedPolicies(context, policy -> !deleted.contains(policy.getMetadata().getUid()),
                name -> nodes.get(new ResourceID(name)));
        InformerEventSource<DaemonSet, ProfilingPolicy> daemonSets = owned(DaemonSet.class, daemonSet -> affected.ofDaemonSet(
                daemonSet, present(this.daemonSets, daemonSet), shared.asRendered(daemonSet)), context);
        InformerEventSource<ConfigMap, ProfilingPolicy> configMaps = owned(ConfigMap.class, configMap -> affected.ofSharedObject(
                present(this.configMaps, configMap), shared.asRendered(configMap)), context);
        this.daemonSets = daemonSets;
        this.configMaps = configMaps;
        pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, ProfilingPolicy.class)
                .withName(Pod.class.getSimpleName())
                .withLabelSelector(CollectorLabels.COLLECTOR_POD_SELECTOR)
                .withNamespaces(settings.namespace())
                .withSecondaryToPrimaryMapper(affected::ofPod)
                .withPrimaryToSecondaryMapper(NO_INDEX)
                .build(), context);
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, ProfilingPolicy.class)
                .withName(Node.class.getSimpleName())
                .withItemStore(new NodeStore())
                .withOnUpdateFilter((after, before) -> NodeStore.placementChanged(after, before) && affected.nodeMoved(after, before))
                .withSecondaryToPrimaryMapper(affected::ofNode)
                .withPrimaryToSecondaryMapper(NO_INDEX)
                .build(), context);
        // The credentials Secret's values are not cached (SecretKeyStore), so its echo is not told
        // apart from a hand edit: one convergence either way.
        secrets = new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, ProfilingPolicy.class)
                .withName(Secret.class.getSimpleName())
                .withNamespaces(settings.namespace())
                .withItemStore(new SecretKeyStore())
                .withSecondaryToPrimaryMapper(secret -> CollectorLabels.CREDENTIALS_NAME.equals(secret.getMetadata().getName())
                        ? affected.ofSharedObject(true, false)
                        : affected.naming(secret.getMetadata().getName()))
                .withPrimaryToSecondaryMapper(NO_INDEX)
                .build(), context);
        // A deleted policy has no reconcile of its own: another one takes it out of the shared objects.
        InformerEventSource<ProfilingPolicy, ProfilingPolicy> deletions = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ProfilingPolicy.class, ProfilingPolicy.class)
                        .withName("ProfilingPolicyDeletions")
                        .withOnAddFilter(policy -> false)
                        .withOnUpdateFilter((after, before) -> false)
                        .withOnDeleteFilter((policy, finalStateUnknown) -> {
                            deleted.add(policy.getMetadata().getUid());
                            return true;
                        })
                        .withSecondaryToPrimaryMapper(policy -> affected.one())
                        .withPrimaryToSecondaryMapper(NO_INDEX)
                        .build(), context);
        shared = new SharedCollector(settings, daemonSets, configMaps, secrets, firstRefusalRetry, clock);
        return List.of(daemonSets, configMaps, pods, nodes, secrets, deletions);
    }

    /** An informer on the operator's own objects only: its namespace, its label selector. */
    private <R extends HasMetadata> InformerEventSource<R, ProfilingPolicy> owned(
            Class<R> type, SecondaryToPrimaryMapper<R> mapper, EventSourceContext<ProfilingPolicy> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, ProfilingPolicy.class)
                .withName(type.getSimpleName())
                .withLabelSelector(CollectorLabels.MANAGED_SELECTOR)
                .withNamespaces(settings.namespace())
                .withSecondaryToPrimaryMapper(mapper)
                .withPrimaryToSecondaryMapper(NO_INDEX)
                .build(), context);
    }

    /** Whether {@code object} is in {@code cache}: false when its event is its deletion. */
    private static <R extends HasMetadata> boolean present(InformerEventSource<R, ProfilingPolicy> cache, R object) {
        return cache.get(ResourceID.fromResource(object)).isPresent();
    }

    @Override
    public UpdateControl<ProfilingPolicy> reconcile(ProfilingPolicy policy, Context<ProfilingPolicy> context) {
        KubernetesClient client = context.getClient();
        String namespace = settings.namespace();
        Function<String, Secret> secret = name -> secrets.get(new ResourceID(name, namespace)).orElse(null);

        Set<String> live = context.getPrimaryCache().list().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        deleted.retainAll(live);
        statuses.retain(live);
        DaemonSet daemonSet = shared.converge(client, () -> context.getPrimaryCache()
                .list(p -> !p.getSpec().suspend() && p.getMetadata().getDeletionTimestamp() == null
                        && !deleted.contains(p.getMetadata().getUid()) && SecretReferences.validate(p, namespace, secret).isEmpty())
                .toList(), policy.getMetadata().getName());
        if (deleted.contains(policy.getMetadata().getUid())) {
            // Reconciled for the shared objects after its own deletion: no status to write.
            return UpdateControl.noUpdate();
        }

        Optional<Observation.Invalid> invalid = SecretReferences.validate(policy, namespace, secret).or(() -> shared.refusal(policy));
        Set<String> selected = PolicyNodes.selectedBy(policy, nodes.list().toList());
        Observation seen = new Observation(policy.getSpec().suspend(), invalid, daemonSet, selected,
                pods.list(namespace).toList());
        ProfilingPolicyStatus previous = statuses.current(policy);
        ProfilingPolicyStatus status = StatusAggregator.aggregate(withStatus(policy, previous), seen, clock.instant());
        if (!status.equals(previous)) {
            statuses.write(client, policy, previous, status, context.getControllerConfiguration().fieldManager());
        }
        UpdateControl<ProfilingPolicy> control = UpdateControl.noUpdate();
        // What refused the policy may be the cluster's (an admission policy that changes): no event would say so.
        return shared.retryIn(policy).map(control::rescheduleAfter).orElse(control);
    }

    /** {@code policy} as the operator knows it, with {@code status}: the aggregator reads the previous status from it. */
    private static ProfilingPolicy withStatus(ProfilingPolicy policy, ProfilingPolicyStatus status) {
        ProfilingPolicy view = new ProfilingPolicy();
        view.setMetadata(policy.getMetadata());
        view.setSpec(policy.getSpec());
        view.setStatus(status);
        return view;
    }
}
