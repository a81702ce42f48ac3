package dev.scorch.collector.trigger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The trigger rules of one container, checked against its cgroup statistics (and goroutine count
 * when it serves pprof) at every check. CPU use is the growth of the cgroup's CPU time between two
 * checks over the wall time between them, so the first check only sets the reference.
 *
 * <p>Not thread-safe; one per container.
 */
public final class ContainerTriggers {

    /**
     * A rule that fired.
     *
     * @param value the metric's value that fired it, in the metric's unit
     * @param why which threshold it crossed, in words
     */
    public record Firing(TriggerRule rule, double value, String why) {}

    private final List<RuleState> rules = new ArrayList<>();
    private long previousCpuNanos = -1;
    private Instant previousCheck;

    public ContainerTriggers(List<TriggerRule> rules) {
        rules.forEach(r -> this.rules.add(new RuleState(r)));
    }

    /** Crossings so far that did not fire, summed over the rules: held by a cooldown or an hourly cap. */
    public long held() {
        return rules.stream().mapToLong(RuleState::held).sum();
    }

    /**
     * @param stats the cgroup now
     * @param goroutines the goroutine count now, empty when unknown (no pprof)
     * @param now time of the check
     * @return the rules that fired, each at most once
     */
    public List<Firing> check(CgroupStats stats, OptionalLong goroutines, Instant now) {
        double cores = Double.NaN;
        if (previousCheck != null && stats.cpuUsageNanos() >= previousCpuNanos) {
            long wallNanos = Duration.between(previousCheck, now).toNanos();
            if (wallNanos > 0) {
                cores = (double) (stats.cpuUsageNanos() - previousCpuNanos) / wallNanos;
            }
        }
        previousCpuNanos = stats.cpuUsageNanos();
        previousCheck = now;

        List<Firing> fired = new ArrayList<>();
        for (RuleState state : rules) {
            double value;
            double limit;
            switch (state.rule().metric()) {
                case CPU -> {
                    value = cores;
                    limit = stats.cpuLimitCores();
                }
                case MEMORY -> {
                    value = stats.memoryBytes() < 0 ? Double.NaN : stats.memoryBytes();
                    limit = stats.memoryLimitBytes();
                }
                default -> {
                    value = goroutines.isPresent() ? goroutines.getAsLong() : Double.NaN;
                    limit = 0;
                }
            }
            if (Double.isNaN(value)) {
                continue;
            }
            RuleState.Decision decision = state.check(value, limit, now);
            if (decision.fire()) {
                fired.add(new Firing(state.rule(), value, decision.why()));
            }
        }
        return fired;
    }
}
