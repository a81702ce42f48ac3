package dev.scorch.collector.health;

import dev.scorch.collector.export.BackendHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Collectors;

/** Decides reason and message of the condition from the collector's state; a pure function. */
public final class ConditionEvaluator {

    /** A backend failing for this many export intervals makes the node BackendUnreachable. */
    static final int FAILED_INTERVALS = 2;

    private ConditionEvaluator() {}

    /**
     * The reason and message the state implies at {@code now}. A failing pod watch does not change
     * the reason (sampling and export still work, known pods are still attributed) but the message
     * says so: new pods' samples wait unattributed until it recovers.
     */
    public static Verdict evaluate(CollectorState state, Instant now) {
        if (state.failure().isPresent()) {
            CollectorState.Failure failure = state.failure().get();
            return new Verdict(failure.reason(), "node " + state.node() + ": " + failure.message());
        }
        Verdict verdict = evaluateRunning(state, now);
        return state.podWatchFailure()
                .map(failure -> new Verdict(verdict.reason(), verdict.message() + "; the pod watch is failing (" + failure
                        + "), so samples of pods it has not reported stay unattributed"))
                .orElse(verdict);
    }

    private static Verdict evaluateRunning(CollectorState state, Instant now) {
        Duration limit = state.exportInterval().multipliedBy(FAILED_INTERVALS);
        Optional<BackendHealth> unreachable = state.backends().stream()
                .filter(b -> b.failingSince() != null && !b.failingSince().plus(limit).isAfter(now))
                .min(Comparator.comparing(BackendHealth::failingSince));
        if (unreachable.isPresent()) {
            BackendHealth backend = unreachable.get();
            return new Verdict(CollectingReason.BackendUnreachable, "node " + state.node() + ": backend " + backend.backend()
                    + " has failed since " + backend.failingSince() + ": "
                    + (backend.lastError() == null ? "no error recorded" : backend.lastError()));
        }
        if (state.intervalsExported() == 0) {
            return new Verdict(CollectingReason.Starting, "node " + state.node() + ": sampling started, first export interval not finished");
        }
        if (state.selectedTargets() == 0) {
            return new Verdict(CollectingReason.NoTargets, "node " + state.node() + ": sampling works, but policy " + state.policy()
                    + " selects nothing on this node");
        }
        String backends = state.backends().stream().map(BackendHealth::backend).collect(Collectors.joining(", "));
        return new Verdict(CollectingReason.Collecting, "node " + state.node() + ": profiling " + state.selectedTargets()
                + (state.selectedTargets() == 1 ? " target" : " targets") + ", exporting to " + backends);
    }

    /**
     * The next moment after {@code now} at which the verdict changes by time alone: a failing
     * backend crossing the unreachable limit. The run loop wakes then, so BackendUnreachable shows
     * on time instead of at the next interval's end.
     */
    public static Optional<Instant> nextChange(CollectorState state, Instant now) {
        Duration limit = state.exportInterval().multipliedBy(FAILED_INTERVALS);
        return state.backends().stream()
                .map(BackendHealth::failingSince)
                .filter(since -> since != null && since.plus(limit).isAfter(now))
                .map(since -> since.plus(limit))
                .min(Instant::compareTo);
    }

    /**
     * @param reason the condition's reason (and so its status)
     * @param message the condition's message
     */
    public record Verdict(CollectingReason reason, String message) {}
}
