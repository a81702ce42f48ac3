package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a triggered capture samples, bounded so captures never take more of a node than the policy
 * allows: a firing that finds maxConcurrent captures running on its node is skipped, not queued.
 *
 * @param duration how long the capture's CPU profile samples the container, a duration from 1s to 60s
 * @param frequencyHz samples per second per CPU during a capture, 1 to 999; only the container's
 *     own cgroup is sampled
 * @param maxConcurrent captures running at once on one node, 1 to 4
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CaptureBounds(
        @Default("10s")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('1s') && duration(self) <= duration('60s')",
                message = "triggers.capture.duration must be a duration from 1s to 60s")
        String duration,
        @Min(1) @Max(999) @Default("199") Integer frequencyHz,
        @Min(1) @Max(4) @Default("1") Integer maxConcurrent) {

    public static final String DEFAULT_DURATION = "10s";
    public static final int DEFAULT_FREQUENCY_HZ = 199;
    public static final int DEFAULT_MAX_CONCURRENT = 1;

    public CaptureBounds {
        duration = duration != null ? duration : DEFAULT_DURATION;
        frequencyHz = frequencyHz != null ? frequencyHz : DEFAULT_FREQUENCY_HZ;
        maxConcurrent = maxConcurrent != null ? maxConcurrent : DEFAULT_MAX_CONCURRENT;
    }
}
