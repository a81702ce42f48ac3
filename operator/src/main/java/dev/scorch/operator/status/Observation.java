package dev.scorch.operator.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the reconciler saw for one policy, the input of {@link StatusAggregator}.
 *
 * @param suspended whether the policy asks for no collectors
 * @param invalid why the policy cannot be rolled out (a check CEL cannot make), if it cannot
 * @param daemonSet the one collector DaemonSet, or null when it does not exist
 * @param nodes the names of the nodes the policy selects ({@link PolicyNodes})
 * @param pods the collector pods (of every node; the aggregator keeps those on {@code nodes})
 */
public record Observation(boolean suspended, Optional<Invalid> invalid, DaemonSet daemonSet, Set<String> nodes, List<Pod> pods) {

    /** A reason (CamelCase) and a message naming the field and what to do. */
    public record Invalid(String reason, String message) {}
}
