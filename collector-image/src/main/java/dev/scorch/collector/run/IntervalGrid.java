package dev.scorch.collector.run;

import java.time.Duration;
import java.time.Instant;

/**
 * When a node's export intervals end: at instants congruent to the node's phase modulo the
 * interval. Policies with the same interval, or with intervals that divide each other, so end at
 * the same instant and resolve their stacks in one round; the phase comes from the node's name, so
 * a fleet's collectors do not all send at once.
 *
 * @param phaseMillis the node's offset in milliseconds
 */
record IntervalGrid(long phaseMillis) {

    static IntervalGrid ofNode(String node) {
        return new IntervalGrid(node.hashCode());
    }

    /** The first instant of the grid for {@code interval} strictly after {@code start}; the first interval is thus shorter. */
    Instant next(Instant start, Duration interval) {
        long length = interval.toMillis();
        long from = start.toEpochMilli();
        return Instant.ofEpochMilli(from + Math.floorMod(phaseMillis - from - 1, length) + 1);
    }
}
