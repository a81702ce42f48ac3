package dev.scorch.collector.export.delivery;

import java.time.Duration;

/**
 * Why one delivery attempt failed, and whether trying again can help.
 *
 * <p>A {@linkplain #retryable() retryable} failure (connection refused, timeout, HTTP 5xx, 408,
 * 429, gRPC UNAVAILABLE) keeps the profile queued. A permanent one (any other 4xx, gRPC
 * INVALID_ARGUMENT, a response that is not the protocol's) drops the profile, counted under
 * {@link #reason()}, because sending the same bytes again would fail the same way.
 */
public final class SendFailure extends Exception {

    private final boolean retryable;
    private final String reason;
    private final Duration retryAfter;

    private SendFailure(boolean retryable, String reason, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    /** A failure worth retrying after backoff; {@code message} is one line without secrets. */
    public static SendFailure retryable(String message, Throwable cause) {
        return new SendFailure(true, "retryable", message, null, cause);
    }

    /** A retryable failure where the backend said how long to wait (HTTP Retry-After). */
    public static SendFailure retryAfter(String message, Duration retryAfter) {
        return new SendFailure(true, "retryable", message, retryAfter, null);
    }

    /**
     * A failure that resending cannot fix.
     *
     * @param reason short stable key for the drop counter, e.g. {@code rejected-http-400}
     */
    public static SendFailure permanent(String reason, String message) {
        return new SendFailure(false, reason, message, null, null);
    }

    public boolean retryable() {
        return retryable;
    }

    /** The drop-counter key of a permanent failure. */
    public String reason() {
        return reason;
    }

    /** How long the backend asked us to wait, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
