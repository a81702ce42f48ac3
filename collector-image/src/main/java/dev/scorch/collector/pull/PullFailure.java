package dev.scorch.collector.pull;

/**
 * Why a profile could not be pulled from a Go program's pprof endpoint. The message names the URL
 * and says what to do; {@link #reason} is the stable word counted in metrics and shown in status.
 */
public final class PullFailure extends Exception {

    /** What went wrong, as a metric label value. */
    public enum Reason {
        /** Nothing listens (connection refused, no route, unknown host). */
        UNREACHABLE("unreachable"),
        /** Connecting, the answer or the body took longer than allowed. */
        TIMEOUT("timeout"),
        /** HTTP 404: the program does not serve this profile (no net/http/pprof, other path). */
        ENDPOINT_MISSING("endpoint-missing"),
        /** Any other non-200 status. */
        HTTP_STATUS("http-status"),
        /** The body (compressed or inflated) is larger than the cap. */
        TOO_LARGE("too-large"),
        /** The body is not a pprof profile (not gzip or protobuf, truncated, no sample types). */
        NOT_PPROF("not-pprof"),
        /** The runtime records nothing for this profile because its profile rate is 0. */
        PROFILING_OFF("profiling-off"),
        /** The node's budget of fetched profiles, shared by every policy, had no room within the fetch's timeout. */
        NODE_BUDGET("node-budget");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        /** The reason as a metric label value, e.g. {@code too-large}. */
        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public PullFailure(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PullFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
