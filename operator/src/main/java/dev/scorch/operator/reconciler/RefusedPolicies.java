package dev.scorch.operator.reconciler;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.status.Observation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The policies whose collector DaemonSet the API server refused, per generation. A refusal can
 * depend on the cluster rather than the policy (an admission policy or webhook that changes, with no
 * event the operator sees), so a refused generation stands only until it is due to be tried again:
 * after the first wait, doubled with each refusal in a row, at most {@link #LONGEST_WAIT}. A new
 * generation is tried at once.
 */
final class RefusedPolicies {

    /** The longest wait between two tries of a refused generation. */
    static final Duration LONGEST_WAIT = Duration.ofMinutes(15);

    private record Refusal(long generation, Observation.Invalid invalid, int times, Instant retryAt) {}

    private final Duration firstWait;
    private final Clock clock;
    private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();

    RefusedPolicies(Duration firstWait, Clock clock) {
        this.firstWait = firstWait;
        this.clock = clock;
    }

    /** Why the API server refused this generation of {@code policy}, while it is not due to be tried again. */
    Optional<Observation.Invalid> standing(ProfilingPolicy policy) {
        return standingRefusal(policy).map(Refusal::invalid);
    }

    /** How long until a refused {@code policy} is tried again; empty when no refusal stands. */
    Optional<Duration> retryIn(ProfilingPolicy policy) {
        return standingRefusal(policy).map(refusal -> Duration.between(clock.instant(), refusal.retryAt()));
    }

    /** Records a refusal of {@code policy}'s generation. */
    void refuse(ProfilingPolicy policy, Observation.Invalid invalid) {
        Refusal earlier = refusals.get(policy.getMetadata().getName());
        int times = earlier != null && earlier.generation() == generation(policy) ? earlier.times() + 1 : 1;
        Duration wait = firstWait.multipliedBy(1L << Math.min(times - 1, 20));
        refusals.put(policy.getMetadata().getName(), new Refusal(generation(policy), invalid, times,
                clock.instant().plus(wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait)));
    }

    /** Forgets {@code policy}'s refusals: the API server accepted a DaemonSet that serves it. */
    void accepted(ProfilingPolicy policy) {
        refusals.remove(policy.getMetadata().getName());
    }

    private Optional<Refusal> standingRefusal(ProfilingPolicy policy) {
        Refusal refusal = refusals.get(policy.getMetadata().getName());
        return refusal != null && refusal.generation() == generation(policy) && clock.instant().isBefore(refusal.retryAt())
                ? Optional.of(refusal) : Optional.empty();
    }

    private static long generation(ProfilingPolicy policy) {
        return Objects.requireNonNullElse(policy.getMetadata().getGeneration(), 0L);
    }
}
