package dev.scorch.collector.trigger;

import dev.scorch.collector.trigger.TriggerRule.Absolute;
import dev.scorch.collector.trigger.TriggerRule.Relative;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One rule applied to one container over time: the recent values its relative threshold averages,
 * the last capture for the cooldown, the captures of the last hour for the cap. Pure: time and
 * values come in, a {@link Decision} goes out.
 *
 * <p>Not thread-safe; one per rule and container.
 */
public final class RuleState {

    /** Values a relative threshold averages over (the checks before the current one). */
    public static final int WINDOW = 10;
    /** Checks a relative threshold waits for before it compares: an average of one is no average. */
    public static final int MIN_HISTORY = 3;

    /**
     * @param fire whether to capture now
     * @param why in words, for logs and the capture's labels: which threshold, or what held it back
     */
    public record Decision(boolean fire, String why) {}

    private final TriggerRule rule;
    private final Deque<Double> recent = new ArrayDeque<>(WINDOW);
    private final Deque<Instant> capturesThisHour = new ArrayDeque<>();
    private Instant lastCapture;
    private long held;

    public RuleState(TriggerRule rule) {
        this.rule = rule;
    }

    public TriggerRule rule() {
        return rule;
    }

    /**
     * @param value the metric now, in its unit
     * @param limit the container's limit in the same unit, 0 when it has none
     * @param now the time of the check
     */
    public Decision check(double value, double limit, Instant now) {
        String crossed = crossed(value, limit);
        remember(value);
        if (crossed == null) {
            return new Decision(false, "below threshold");
        }
        if (lastCapture != null && Duration.between(lastCapture, now).compareTo(rule.cooldown()) < 0) {
            held++;
            return new Decision(false, crossed + ", but in cooldown until " + lastCapture.plus(rule.cooldown()));
        }
        while (!capturesThisHour.isEmpty() && Duration.between(capturesThisHour.peekFirst(), now).toMinutes() >= 60) {
            capturesThisHour.removeFirst();
        }
        if (capturesThisHour.size() >= rule.maxPerHour()) {
            held++;
            return new Decision(false, crossed + ", but " + rule.maxPerHour() + " captures in the last hour already");
        }
        lastCapture = now;
        capturesThisHour.addLast(now);
        return new Decision(true, crossed);
    }

    /** Checks so far whose value crossed the threshold but did not fire: in the cooldown or over the hourly cap. */
    public long held() {
        return held;
    }

    /** Which threshold {@code value} crosses, in words; null when none. */
    private String crossed(double value, double limit) {
        String unit = rule.metric().unit();
        return switch (rule.threshold()) {
            case Absolute a when a.ofLimit() -> limit > 0 && value >= a.above() * limit
                    ? format(value) + " " + unit + " >= " + format(a.above() * 100) + "% of the limit " + format(limit) : null;
            case Absolute a -> value >= a.above() ? format(value) + " " + unit + " >= " + format(a.above()) : null;
            case Relative r -> {
                if (value >= r.abs()) {
                    yield format(value) + " " + unit + " >= abs " + format(r.abs());
                }
                if (recent.size() < MIN_HISTORY || value < r.min()) {
                    yield null;
                }
                double average = recent.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                yield value > average * (1 + r.diffPercent() / 100) ? format(value) + " " + unit + " > " + format(r.diffPercent())
                        + "% above the recent average " + format(average) : null;
            }
        };
    }

    private void remember(double value) {
        if (recent.size() == WINDOW) {
            recent.removeFirst();
        }
        recent.addLast(value);
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
