package dev.scorch.operator.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The triggered captures a policy's collectors report. Each collector states its count (since it
 * started) in the policy's own pod condition, as {@code triggered captures: N} in the message
 * (docs/contracts.md), so counting needs no API write beyond the condition it already keeps.
 */
public final class TriggeredCaptures {

    private static final Pattern COUNT = Pattern.compile("; triggered captures: (\\d{1,18})\\b");

    private TriggeredCaptures() {}

    /** The sum over {@code pods} of the captures each reports for {@code policy}. */
    public static long total(String policy, List<Pod> pods) {
        long total = 0;
        for (Pod pod : pods) {
            PodCondition condition = StatusAggregator.condition(pod, dev.scorch.operator.resources.CollectorDaemonSet.policyCondition(policy));
            total += condition == null ? 0 : of(condition.getMessage());
        }
        return total;
    }

    /** The count a condition message states, 0 when it states none. */
    static long of(String message) {
        if (message == null) {
            return 0;
        }
        Matcher count = COUNT.matcher(message);
        return count.find() ? Long.parseLong(count.group(1)) : 0;
    }
}
