package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One trigger: a metric of a container and when it fires; exactly one of absolute and relative is
 * set.
 *
 * @param metric cpu (cores in use, from the cgroup's CPU time), memory (bytes charged to the
 *     cgroup) or goroutines (from the pod's pprof goroutine profile; needs spec.pull)
 * @param absolute fires at a fixed value or a share of the container's limit
 * @param relative fires when the value jumps above the container's own recent average
 *     (Holmes-style min/diff/abs)
 * @param cooldown how long the rule stays quiet for a container after it captured it, a duration
 *     from 0s to 24h
 * @param maxPerHour captures of one container by this rule in any hour, 1 to 60
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "[has(self.absolute), has(self.relative)].filter(x, x).size() == 1",
        message = "triggers.rules[]: exactly one of absolute or relative must be set in each rule")
@ValidationRule(
        value = "self.metric != 'goroutines' || !has(self.absolute) || !has(self.absolute.percentOfLimit)",
        message = "triggers.rules[]: a goroutines rule has no limit; use absolute.above")
public record TriggerRule(
        @Required
        @ValidationRule(
                value = "self in ['cpu', 'memory', 'goroutines']",
                message = "triggers.rules[].metric must be cpu, memory or goroutines")
        String metric,
        AbsoluteThreshold absolute,
        RelativeThreshold relative,
        @Default("5m")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('0s') && duration(self) <= duration('24h')",
                message = "triggers.rules[].cooldown must be a duration from 0s to 24h")
        String cooldown,
        @Min(1) @Max(60) @Default("6") Integer maxPerHour) {

    public static final String DEFAULT_COOLDOWN = "5m";
    public static final int DEFAULT_MAX_PER_HOUR = 6;

    public TriggerRule {
        cooldown = cooldown != null ? cooldown : DEFAULT_COOLDOWN;
        maxPerHour = maxPerHour != null ? maxPerHour : DEFAULT_MAX_PER_HOUR;
    }
}
