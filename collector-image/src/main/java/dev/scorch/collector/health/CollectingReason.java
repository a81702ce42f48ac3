package dev.scorch.collector.health;

/** The reasons of the pod condition {@code scorch.dev/Collecting} (docs/contracts.md), and the status each implies. */
public enum CollectingReason {
    /** Sampling is starting; no interval has been exported yet. */
    Starting(false),
    /** Sampling works and every backend delivered within two export intervals. */
    Collecting(true),
    /** Sampling works, but nothing on this node is selected by the policy. */
    NoTargets(true),
    /** perf_event_open is refused (capabilities, perf_event_paranoid, seccomp). */
    PerfUnavailable(false),
    /** The kernel lacks what the sampler needs. */
    KernelUnsupported(false),
    /** A backend has failed for at least two export intervals. */
    BackendUnreachable(false),
    /** collector.json is missing or wrong. */
    ConfigInvalid(false);

    private final boolean status;

    CollectingReason(boolean status) {
        this.status = status;
    }

    /** The condition's status with this reason. */
    public boolean status() {
        return status;
    }
}
