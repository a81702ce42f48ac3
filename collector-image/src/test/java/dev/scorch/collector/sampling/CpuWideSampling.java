package dev.scorch.collector.sampling;

import dev.scorch.testenv.Tier;

import java.util.List;

/** Test guard of the real-kernel tier: the host lets this process sample every CPU, as the collector does. */
public final class CpuWideSampling {

    private CpuWideSampling() {}

    /** Skips (or, where the tier is required, fails) unless CPU-wide perf events open here; says what the host lacks. */
    public static void require() {
        List<SamplingPreflight.Finding> findings = SamplingPreflight.ofThisHost().check(false);
        Tier.REAL_KERNEL.require(findings.stream().noneMatch(f -> f.problem().fatal()),
                "CPU-wide perf_event_open needs root (or CAP_PERFMON) on Linux >= 4.9: " + findings);
    }
}
