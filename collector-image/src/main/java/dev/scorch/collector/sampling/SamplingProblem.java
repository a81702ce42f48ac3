package dev.scorch.collector.sampling;

/**
 * Why sampling cannot start (or runs degraded), as the reason of the pod condition
 * {@code scorch.dev/Collecting} names it.
 */
public enum SamplingProblem {
    /** perf_event_open refused: perf_event_paranoid, missing CAP_PERFMON/CAP_SYS_ADMIN, seccomp. */
    PERF_UNAVAILABLE("PerfUnavailable", true),
    /** The kernel lacks a feature the sampler uses (too old, no perf events, unknown attribute). */
    KERNEL_UNSUPPORTED("KernelUnsupported", true),
    /** Kernel symbols are hidden (kptr_restrict or no CAP_SYSLOG): kernel frames stay unnamed. */
    KERNEL_SYMBOLS_HIDDEN("KernelSymbolsHidden", false),
    /**
     * Capabilities that symbolization uses are missing: some processes' binaries cannot be read,
     * so their frames keep only mapping, build id and address.
     */
    PROCESS_FILES_UNREADABLE("ProcessFilesUnreadable", false);

    private final String conditionReason;
    private final boolean fatal;

    SamplingProblem(String conditionReason, boolean fatal) {
        this.conditionReason = conditionReason;
        this.fatal = fatal;
    }

    /** The reason string of the pod condition. */
    public String conditionReason() {
        return conditionReason;
    }

    /** Whether sampling cannot run at all (otherwise it runs with reduced output). */
    public boolean fatal() {
        return fatal;
    }
}
