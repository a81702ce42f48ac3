package dev.scorch.collector.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One condition type of the pod: evaluates it at each update and decides whether it is due for a
 * write. It is due when its status or reason changes, and otherwise at most every {@code
 * statusUpdateInterval}, and then only when the last export time or the message moved. Its
 * {@link PodConditions} writes it, together with the pod's other conditions.
 */
public final class ConditionPublisher {

    private final String type;
    private final Clock clock;
    private final Duration statusUpdateInterval;
    private CollectingCondition written;
    private Instant writtenAt;
    private CollectingCondition current;

    ConditionPublisher(String type, Clock clock, Duration statusUpdateInterval) {
        this.type = type;
        this.clock = clock;
        this.statusUpdateInterval = statusUpdateInterval;
    }

    /** Takes the verdict on the state now; the pod's next flush writes the condition if it is due. */
    public synchronized void update(ConditionEvaluator.Verdict verdict, Instant lastProbe) {
        boolean transition = current == null || current.reason() != verdict.reason();
        Instant transitionTime = transition ? clock.instant() : current.lastTransitionTime();
        current = new CollectingCondition(verdict.reason(), verdict.message(), lastProbe, transitionTime);
    }

    /** The condition as last evaluated, whether or not it has been written; null before the first update. */
    public synchronized CollectingCondition current() {
        return current;
    }

    /** Whether the condition as last evaluated has status True (what /readyz reports). */
    public synchronized boolean ready() {
        return current != null && current.status();
    }

    String type() {
        return type;
    }

    /** Whether the condition needs a write of its own at {@code now}. */
    synchronized boolean due(Instant now) {
        if (current == null) {
            return false;
        }
        if (written == null || written.reason() != current.reason()) {
            return true;
        }
        return changed() && !now.isBefore(writtenAt.plus(statusUpdateInterval));
    }

    /** Whether the pod shows anything else than the condition as last evaluated (worth sending along with a due write). */
    synchronized boolean changed() {
        return current != null && (written == null || written.reason() != current.reason()
                || !Objects.equals(written.lastProbeTime(), current.lastProbeTime()) || !written.message().equals(current.message()));
    }

    /** {@code condition} landed on the pod at {@code at}. */
    synchronized void written(CollectingCondition condition, Instant at) {
        written = condition;
        writtenAt = at;
    }

    /** The condition last written, null before the first write landed. */
    synchronized CollectingCondition lastWritten() {
        return written;
    }
}
