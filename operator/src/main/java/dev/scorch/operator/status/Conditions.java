package dev.scorch.operator.status;

import dev.scorch.operator.api.v1alpha1.PolicyCondition;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds conditions in a fixed order. lastTransitionTime moves only when a condition's status
 * changes (Kubernetes API conventions); a new reason or message under the same status keeps it.
 */
final class Conditions {
    private final ProfilingPolicyStatus previous;
    private final long generation;
    private final Instant now;
    private final List<PolicyCondition> list = new ArrayList<>();

    Conditions(ProfilingPolicyStatus previous, long generation, Instant now) {
        this.previous = previous;
        this.generation = generation;
        this.now = now;
    }

    void set(String type, boolean status, String reason, String message) {
        String value = status ? "True" : "False";
        PolicyCondition before = previous == null ? null : previous.condition(type);
        String since = before != null && value.equals(before.status())
                ? before.lastTransitionTime() : now.truncatedTo(ChronoUnit.SECONDS).toString();
        list.add(new PolicyCondition(type, value, reason, message, since, generation));
    }

    List<PolicyCondition> list() {
        return List.copyOf(list);
    }
}
