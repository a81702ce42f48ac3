package dev.scorch.collector.health;

import java.time.Instant;

/**
 * The collector's pod condition {@code scorch.dev/Collecting}, as written to its pod status.
 *
 * @param reason why the status is what it is; also decides the status
 * @param message one sentence naming the node, and the backend and its last error where there is one
 * @param lastProbeTime the last successful export to any backend, null before the first
 * @param lastTransitionTime when the status or reason last changed
 */
public record CollectingCondition(CollectingReason reason, String message, Instant lastProbeTime, Instant lastTransitionTime) {

    /** The condition type, also the collector DaemonSet's readiness gate. */
    public static final String TYPE = "scorch.dev/Collecting";

    /** Suffix of a policy's own condition type; the policy's name is the type's DNS prefix. */
    public static final String POLICY_TYPE_SUFFIX = ".policy.scorch.dev/Collecting";

    /**
     * The condition type that carries one policy's health on this pod, e.g.
     * {@code checkout-cpu.policy.scorch.dev/Collecting}: a qualified name as pod conditions must be,
     * with the policy's name (a DNS subdomain) as its prefix.
     */
    public static String policyType(String policy) {
        return policy + POLICY_TYPE_SUFFIX;
    }

    public boolean status() {
        return reason.status();
    }
}
