package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How the collectors sample CPUs.
 *
 * @param frequencyHz samples per second on each CPU, 1 to 1000; the default 19 is a prime (no
 *     lock-step with periodic timers) and cheap enough to run everywhere all the time
 * @param kernelStacks whether kernel frames are recorded under the user frames of each sample
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sampling(@Min(1) @Max(1000) @Default("19") Integer frequencyHz, @Default("true") Boolean kernelStacks) {
    public static final int DEFAULT_FREQUENCY_HZ = 19;

    public Sampling {
        frequencyHz = frequencyHz != null ? frequencyHz : DEFAULT_FREQUENCY_HZ;
        kernelStacks = kernelStacks == null || kernelStacks;
    }
}
