package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.PolicyCondition;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.status.StatusAggregator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events for a policy's Ready and Degraded transitions, so `kubectl describe pp` and
 * event-based alerting see when collection broke or recovered. Events of cluster-scoped objects
 * live in the default namespace.
 */
final class PolicyEvents {
    static final String EVENT_NAMESPACE = "default";
    /** The reason of the Event about a field the operator reads but no longer uses. */
    static final String IGNORED_FIELD = "IgnoredField";
    /** The reason of the Event about new triggered captures. */
    static final String CAPTURED = "Captured";
    private static final Logger LOG = Logger.getLogger(PolicyEvents.class);

    private PolicyEvents() {}

    /** The events the change from {@code before} to {@code after} deserves (pure). */
    static List<Event> transitions(ProfilingPolicy policy, ProfilingPolicyStatus before, ProfilingPolicyStatus after,
            Instant now) {
        List<Event> events = new ArrayList<>();
        for (String type : List.of(PolicyCondition.READY, PolicyCondition.DEGRADED)) {
            PolicyCondition was = before == null ? null : before.condition(type);
            PolicyCondition is = after.condition(type);
            boolean changed = was == null
                    ? PolicyCondition.DEGRADED.equals(type) && "True".equals(is.status())
                    : !was.status().equals(is.status()) || !was.reason().equals(is.reason());
            if (changed) {
                events.add(event(policy, needsAttention(type, is) ? "Warning" : "Normal", is.reason(),
                        type + "=" + is.status() + ": " + is.message(), now));
            }
        }
        return events;
    }

    /**
     * A Warning when a generation of {@code policy} the operator has not yet observed still sets
     * the ignored {@code spec.collector} (pure): once per edit, not on every reconcile.
     */
    static List<Event> ignoredFields(ProfilingPolicy policy, Instant now) {
        boolean seen = policy.getStatus() != null
                && java.util.Objects.equals(policy.getStatus().observedGeneration(), policy.getMetadata().getGeneration());
        if (seen || policy.getSpec().collector() == null) {
            return List.of();
        }
        return List.of(event(policy, "Warning", IGNORED_FIELD, "spec.collector is ignored: one collector per node serves"
                + " every policy, so its image, securityMode, resources and priorityClassName are operator settings"
                + " (Helm values collector.*, environment SCORCH_COLLECTOR_*); remove spec.collector from the policy", now));
    }

    /**
     * A Normal Event with reason Captured when the policy's collectors report more triggered
     * captures than before (pure); a count that drops (a collector restarted) records nothing.
     */
    static List<Event> captures(ProfilingPolicy policy, ProfilingPolicyStatus before, ProfilingPolicyStatus after, Instant now) {
        long was = before == null || before.triggeredCaptures() == null ? 0 : before.triggeredCaptures();
        long is = after.triggeredCaptures() == null ? 0 : after.triggeredCaptures();
        if (is <= was) {
            return List.of();
        }
        long fresh = is - was;
        return List.of(event(policy, "Normal", CAPTURED, fresh + (fresh == 1 ? " triggered capture" : " triggered captures")
                + " (" + is + " reported by the collectors); the profiles are at the policy's backends with the labels trigger and"
                + " trigger_value, and each collector pod's condition " + policy.getMetadata().getName()
                + ".policy.scorch.dev/Collecting names its last one", now));
    }

    /** Degraded, or not Ready for a reason other than the admin's own suspension of the policy. */
    private static boolean needsAttention(String type, PolicyCondition condition) {
        if (PolicyCondition.DEGRADED.equals(type)) {
            return "True".equals(condition.status());
        }
        return "False".equals(condition.status()) && !StatusAggregator.SUSPENDED.equals(condition.reason());
    }

    /** Records {@code events}; a refused write is logged, never fails the reconcile. */
    static void record(KubernetesClient client, List<Event> events) {
        for (Event event : events) {
            try {
                client.v1().events().inNamespace(EVENT_NAMESPACE).resource(event).create();
            } catch (KubernetesClientException e) {
                LOG.warnf("Could not record an event: policy=%s reason=%s error=\"%s\"",
                        event.getInvolvedObject().getName(), event.getReason(), e.getMessage());
            }
        }
    }

    private static Event event(ProfilingPolicy policy, String type, String reason, String message, Instant now) {
        String time = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        return new EventBuilder()
                .withNewMetadata()
                .withGenerateName(policy.getMetadata().getName() + ".")
                .withNamespace(EVENT_NAMESPACE)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(policy.getApiVersion())
                .withKind(policy.getKind())
                .withName(policy.getMetadata().getName())
                .withUid(policy.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .withNewSource().withComponent("scorch-operator").endSource()
                .withReportingComponent("scorch-operator")
                .build();
    }
}
