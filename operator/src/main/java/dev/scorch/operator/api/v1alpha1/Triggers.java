package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Profiles captured automatically when a selected container's CPU use, memory use or goroutine
 * count jumps. The collector on the container's node checks the rules against the container's
 * cgroup statistics (and, for goroutines, its pprof goroutine profile); a capture is a short
 * higher-frequency CPU profile of just that container plus its heap and goroutine profiles when
 * the pod serves pprof (see pull), each labelled trigger and trigger_value, exported like every
 * other profile, counted in the policy's status and announced by an Event on the policy.
 *
 * @param checkInterval how often each selected container is checked, a duration from 1s to 60s
 * @param rules when to capture, 1 to 8 rules; a capture fires when any rule does
 * @param capture how long and how finely a capture samples, and how many may run at once per node
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Triggers(
        @Default("10s")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('1s') && duration(self) <= duration('60s')",
                message = "triggers.checkInterval must be a duration from 1s to 60s")
        String checkInterval,
        @Required @Size(min = 1, max = 8) List<TriggerRule> rules,
        @Default("{}") CaptureBounds capture) {

    public static final String DEFAULT_CHECK_INTERVAL = "10s";

    public Triggers {
        checkInterval = checkInterval != null ? checkInterval : DEFAULT_CHECK_INTERVAL;
        rules = rules != null ? rules : List.of();
        capture = capture != null ? capture : new CaptureBounds(null, null, null);
    }
}
