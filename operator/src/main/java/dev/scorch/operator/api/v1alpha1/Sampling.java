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
 * @param jvmSymbols whether the collectors name the Java methods of HotSpot JVMs (JDK 17+) among
 *     the selected processes by asking each JVM, through its attach mechanism, to write its JIT
 *     symbols ({@code jcmd Compiler.perfmap}: a file under the container's {@code /tmp}, a SIGQUIT
 *     to start the JVM's attach listener); false leaves JVMs alone and their Java frames unnamed
 *     unless they write a perf map themselves. A node asks JVMs while any policy it serves allows it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sampling(@Min(1) @Max(1000) @Default("19") Integer frequencyHz, @Default("true") Boolean kernelStacks,
        @Default("true") Boolean jvmSymbols) {
    public static final int DEFAULT_FREQUENCY_HZ = 19;

    public Sampling {
        frequencyHz = frequencyHz != null ? frequencyHz : DEFAULT_FREQUENCY_HZ;
        kernelStacks = kernelStacks == null || kernelStacks;
        jvmSymbols = jvmSymbols == null || jvmSymbols;
    }
}
