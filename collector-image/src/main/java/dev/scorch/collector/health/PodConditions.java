package dev.scorch.collector.health;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The conditions of the collector's own pod (the node's and one per policy), written together: a
 * flush writes nothing while no condition is due, and otherwise one write that carries every
 * condition that changed, due or not, and every removal. So a node serving many policies patches
 * its pod about once per status update interval plus once per change, not once per policy, and
 * the policies' writes fall into step after the first shared one. A failed write is retried at
 * the next flush.
 */
public final class PodConditions {

    private static final System.Logger LOG = System.getLogger(PodConditions.class.getName());

    private final ConditionWriter writer;
    private final Clock clock;
    private final Duration statusUpdateInterval;
    private final Map<String, ConditionPublisher> publishers = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();

    /** @param statusUpdateInterval the longest a condition goes unwritten while its export time or message moves */
    public PodConditions(ConditionWriter writer, Clock clock, Duration statusUpdateInterval) {
        this.writer = writer;
        this.clock = clock;
        this.statusUpdateInterval = statusUpdateInterval;
    }

    /** The publisher of {@code type}'s condition, replacing any earlier one of that type (a restarted policy). */
    public synchronized ConditionPublisher publisher(String type) {
        ConditionPublisher publisher = new ConditionPublisher(type, clock, statusUpdateInterval);
        publishers.put(type, publisher);
        removed.remove(type);
        return publisher;
    }

    /** Takes {@code type}'s condition off the pod at the next flush (a policy no longer served here). */
    public synchronized void remove(String type) {
        publishers.remove(type);
        removed.add(type);
    }

    /** Writes, in one write, every changed condition and every removal, if any condition is due or removed. */
    public synchronized void flush() {
        Instant now = clock.instant();
        if (removed.isEmpty() && publishers.values().stream().noneMatch(p -> p.due(now))) {
            return;
        }
        List<ConditionPublisher> changed = new ArrayList<>();
        Map<String, CollectingCondition> conditions = new LinkedHashMap<>();
        for (ConditionPublisher publisher : publishers.values()) {
            if (publisher.changed()) {
                changed.add(publisher);
                conditions.put(publisher.type(), publisher.current());
            }
        }
        try {
            writer.write(conditions, Set.copyOf(removed));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot write {0} condition(s) and {1} removal(s) to this pod''s status"
                    + " (retrying at the next update): {2}", Integer.toString(conditions.size()), Integer.toString(removed.size()),
                    e.getMessage());
            return;
        }
        removed.clear();
        for (ConditionPublisher publisher : changed) {
            CollectingCondition before = publisher.lastWritten();
            CollectingCondition condition = conditions.get(publisher.type());
            if (before == null || before.reason() != condition.reason()) {
                LOG.log(Level.INFO, "condition {0}={1} reason={2}: {3}", publisher.type(), condition.status() ? "True" : "False",
                        condition.reason(), condition.message());
            }
            publisher.written(condition, now);
        }
    }
}
