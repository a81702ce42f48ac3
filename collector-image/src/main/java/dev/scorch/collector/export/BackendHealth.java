package dev.scorch.collector.export;

import java.time.Instant;
import java.util.Map;

/**
 * Delivery health of one backend.
 *
 * @param backend backend name from the policy
 * @param lastSuccess last time a profile was accepted by the backend, null before the first
 * @param failingSince start of the current run of failed attempts, null while healthy
 * @param lastError the last error in one line (never a secret), null while healthy
 * @param queuedBytes bytes waiting in the spool
 * @param sent profiles accepted by the backend
 * @param retried attempts that failed and were retried
 * @param dropped profiles dropped, by reason (spool-full, permanent-error, ...)
 */
public record BackendHealth(
        String backend,
        Instant lastSuccess,
        Instant failingSince,
        String lastError,
        long queuedBytes,
        long sent,
        long retried,
        Map<String, Long> dropped) {}
