package dev.scorch.collector.health;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Decides the node's own condition {@code scorch.dev/Collecting} (the collector pod's readiness
 * gate) from what the whole collector knows; each policy's health is in its own condition. One
 * team's unreachable backend therefore never makes the shared collector unready. A pure function.
 */
public final class NodeConditionEvaluator {

    private NodeConditionEvaluator() {}

    /**
     * @param failure why this node cannot collect at all (unreadable first config, perf refused, kernel too old)
     * @param configProblem why the latest collector.json was refused while the last valid one is served
     * @param policies each policy served here and its condition as last evaluated (null before the first)
     */
    public static ConditionEvaluator.Verdict evaluate(String node, Optional<CollectorState.Failure> failure,
            Optional<String> configProblem, Map<String, CollectingCondition> policies) {
        if (failure.isPresent()) {
            return new ConditionEvaluator.Verdict(failure.get().reason(), "node " + node + ": " + failure.get().message());
        }
        if (configProblem.isPresent()) {
            return new ConditionEvaluator.Verdict(CollectingReason.ConfigInvalid, "node " + node + ": " + configProblem.get()
                    + "; still serving the last valid configuration");
        }
        if (policies.isEmpty()) {
            return new ConditionEvaluator.Verdict(CollectingReason.NoTargets, "node " + node + ": no policy applies to this node");
        }
        boolean starting = policies.values().stream().allMatch(c -> c == null || c.reason() == CollectingReason.Starting);
        String each = policies.entrySet().stream()
                .map(e -> e.getKey() + " " + (e.getValue() == null ? CollectingReason.Starting : e.getValue().reason()))
                .collect(Collectors.joining(", "));
        return new ConditionEvaluator.Verdict(starting ? CollectingReason.Starting : CollectingReason.Collecting,
                "node " + node + ": serving " + policies.size() + (policies.size() == 1 ? " policy: " : " policies: ") + each);
    }
}
