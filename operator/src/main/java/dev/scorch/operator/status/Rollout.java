package dev.scorch.operator.status;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.Objects;

/**
 * What every policy's status reads from the one collector DaemonSet: whether the DaemonSet
 * controller has seen its current spec, and how many of its nodes run that spec. Pure. Anything
 * else in the DaemonSet's status (ready, available, misscheduled counts) is read from the pods per
 * policy instead, so a change there concerns no policy's status through the DaemonSet.
 *
 * @param observedCurrent whether the controller's observedGeneration has reached the spec's generation
 * @param updated nodes that run a pod of the current template
 * @param scheduled nodes that should run a collector pod
 */
public record Rollout(boolean observedCurrent, int updated, int scheduled) {

    /** The rollout of {@code daemonSet}; null when there is no DaemonSet. */
    public static Rollout of(DaemonSet daemonSet) {
        if (daemonSet == null) {
            return null;
        }
        DaemonSetStatus status = daemonSet.getStatus();
        boolean observedCurrent = status != null && status.getObservedGeneration() != null
                && status.getObservedGeneration() >= Objects.requireNonNullElse(daemonSet.getMetadata().getGeneration(), 0L);
        return new Rollout(observedCurrent,
                status == null ? 0 : orZero(status.getUpdatedNumberScheduled()),
                status == null ? 0 : orZero(status.getDesiredNumberScheduled()));
    }

    /** Whether some node still runs, or may run, an older collector. */
    public boolean rolling() {
        return !observedCurrent || updated < scheduled;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }
}
