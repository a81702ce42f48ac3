package dev.scorch.collector.attribution;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes label selector evaluated on the node: every {@code matchLabels} pair and every
 * requirement must hold. An empty selector selects everything, as in Kubernetes.
 *
 * @param matchLabels labels that must be present with exactly these values
 * @param matchExpressions further requirements, all of which must hold
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    /** The selector that selects everything (an absent selector). */
    public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    /** Whether an object with these labels is selected. */
    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> required : matchLabels.entrySet()) {
            if (!required.getValue().equals(labels.get(required.getKey()))) {
                return false;
            }
        }
        for (Requirement requirement : matchExpressions) {
            if (!requirement.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** The operators of {@code matchExpressions}. */
    public enum Operator {
        In,
        NotIn,
        Exists,
        DoesNotExist
    }

    /**
     * One {@code matchExpressions} entry.
     *
     * @param key label key
     * @param operator how the key's value is compared
     * @param values the values for In and NotIn; empty for Exists and DoesNotExist
     */
    public record Requirement(String key, Operator operator, List<String> values) {

        public Requirement {
            values = List.copyOf(values);
        }

        /** Whether {@code labels} satisfy this requirement (NotIn holds when the key is absent, as in Kubernetes). */
        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case In -> value != null && values.contains(value);
                case NotIn -> value == null || !values.contains(value);
                case Exists -> value != null;
                case DoesNotExist -> value == null;
            };
        }
    }
}
