package dev.scorch.collector.http;

import java.time.Duration;

/**
 * How a client connects and waits.
 *
 * @param connectTimeout for the TCP connection
 * @param readTimeout longest wait for any byte of an answer (and of the TLS handshake)
 * @param idlePerOrigin keep-alive connections kept per origin between requests
 * @param idleTotal keep-alive connections kept in all
 * @param idleExpiry how long an unused connection is kept; servers close idle connections after a
 *     minute or more, and one closed meanwhile is noticed before it is used
 */
public record HttpSettings(Duration connectTimeout, Duration readTimeout, int idlePerOrigin, int idleTotal, Duration idleExpiry) {

    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofSeconds(50);

    public HttpSettings {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("HTTP timeouts must be positive: connect " + connectTimeout + ", read " + readTimeout);
        }
    }

    /** One caller sending one request at a time to one or a few origins. */
    public static HttpSettings of(Duration connectTimeout, Duration readTimeout) {
        return new HttpSettings(connectTimeout, readTimeout, 2, 8, DEFAULT_IDLE_EXPIRY);
    }

    int readTimeoutMillis() {
        return millis(readTimeout);
    }

    static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }
}
