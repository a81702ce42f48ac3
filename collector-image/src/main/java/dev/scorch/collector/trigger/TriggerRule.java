package dev.scorch.collector.trigger;

import java.time.Duration;

/**
 * When to capture profiles of a container: a metric, a threshold, and bounds on how often.
 *
 * @param metric what is watched
 * @param threshold when it fires
 * @param cooldown how long after a capture the rule stays quiet
 * @param maxPerHour captures at most in any hour
 */
public record TriggerRule(Metric metric, Threshold threshold, Duration cooldown, int maxPerHour) {

    /** What a rule watches, and its unit. */
    public enum Metric {
        /** CPU use in cores (1.0 = one CPU busy all the time), from the cgroup's usage. */
        CPU("cpu", "cores"),
        /** Memory charged to the cgroup, bytes. */
        MEMORY("memory", "bytes"),
        /** Goroutines, from the pod's pprof goroutine profile. */
        GOROUTINES("goroutines", "goroutines");

        private final String label;
        private final String unit;

        Metric(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        /** The metric's name in labels, e.g. {@code cpu}. */
        public String label() {
            return label;
        }

        public String unit() {
            return unit;
        }
    }

    /** When a value fires a rule. */
    public sealed interface Threshold permits Absolute, Relative {}

    /**
     * Fires at {@code above} or more; with {@code ofLimit}, {@code above} is a fraction of the
     * container's limit (0.8 = 80% of its memory limit or CPU quota) and a container without a
     * limit never fires.
     */
    public record Absolute(double above, boolean ofLimit) implements Threshold {
        public Absolute {
            if (!(above > 0) || (ofLimit && above > 1)) {
                throw new IllegalArgumentException("an absolute threshold must be above 0 (and at most 1 as a fraction of the limit), was "
                        + above);
            }
        }
    }

    /**
     * Fires, relative to the container's own recent average, when the value is at least {@code
     * min} and more than {@code diffPercent} percent above the average; or, whatever the
     * average, when it is at least {@code abs}.
     */
    public record Relative(double min, double diffPercent, double abs) implements Threshold {
        public Relative {
            if (min < 0 || diffPercent <= 0 || abs <= 0 || abs < min) {
                throw new IllegalArgumentException("a relative threshold needs min >= 0, diff > 0 and abs >= min > 0; was min "
                        + min + ", diff " + diffPercent + "%, abs " + abs);
            }
        }
    }

    public TriggerRule {
        if (cooldown.isNegative() || maxPerHour < 1) {
            throw new IllegalArgumentException("a rule needs a cooldown >= 0 and at least 1 capture per hour, was " + cooldown
                    + " and " + maxPerHour);
        }
    }
}
