package dev.scorch.collector.health;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Keeps the pod condition current with few API writes: it writes when the status or reason
 * changes, and otherwise at most every {@code statusUpdateInterval}, and then only when the last
 * export time or the message moved. A failed write is retried at the next update.
 */
public final class ConditionPublisher {

    private static final System.Logger LOG = System.getLogger(ConditionPublisher.class.getName());

    private final String type;
    private final ConditionWriter writer;
    private final Clock clock;
    private final Duration statusUpdateInterval;
    private CollectingCondition written;
    private Instant writtenAt;
    private CollectingCondition current;

    public ConditionPublisher(ConditionWriter writer, Clock clock, Duration statusUpdateInterval) {
        this(CollectingCondition.TYPE, writer, clock, statusUpdateInterval);
    }

    /** @param type the condition type written, for log lines */
    public ConditionPublisher(String type, ConditionWriter writer, Clock clock, Duration statusUpdateInterval) {
        this.type = type;
        this.writer = writer;
        this.clock = clock;
        this.statusUpdateInterval = statusUpdateInterval;
    }

    /** Evaluates the state now and writes the condition if it is due. */
    public synchronized void update(CollectorState state) {
        update(ConditionEvaluator.evaluate(state, clock.instant()), state.lastExport().orElse(null));
    }

    /** Takes a verdict reached elsewhere (the node's summary of its policies) and writes it if due. */
    public synchronized void update(ConditionEvaluator.Verdict verdict, Instant lastProbe) {
        Instant now = clock.instant();
        boolean transition = current == null || current.reason() != verdict.reason();
        Instant transitionTime = transition ? now : current.lastTransitionTime();
        current = new CollectingCondition(verdict.reason(), verdict.message(), lastProbe, transitionTime);
        if (due(now)) {
            try {
                writer.write(current);
                if (written == null || written.reason() != current.reason()) {
                    LOG.log(Level.INFO, "condition {0}={1} reason={2}: {3}", type,
                            current.status() ? "True" : "False", current.reason(), current.message());
                }
                written = current;
                writtenAt = now;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "cannot write condition {0} to this pod''s status (retrying at the next update): {1}",
                        type, e.getMessage());
            }
        }
    }

    /** The condition as last evaluated, whether or not it has been written; null before the first update. */
    public synchronized CollectingCondition current() {
        return current;
    }

    /** Whether the condition as last evaluated has status True (what /readyz reports). */
    public synchronized boolean ready() {
        return current != null && current.status();
    }

    private boolean due(Instant now) {
        if (written == null || written.reason() != current.reason()) {
            return true;
        }
        boolean changed = !Objects.equals(written.lastProbeTime(), current.lastProbeTime()) || !written.message().equals(current.message());
        return changed && !now.isBefore(writtenAt.plus(statusUpdateInterval));
    }
}
