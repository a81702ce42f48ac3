package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.BackendHealth;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;

/**
 * What one backend's delivery reports as its health: profiles sent and retried, the last success,
 * since when it fails and why, or that its sender thread died. The sender thread writes it, the
 * health probe and the policy status read it, with the {@link Backlog}'s counts, at once.
 */
final class DeliveryHealth {

    /** The delivery's log: whoever filters it by logger sees a backend's health changes there too. */
    private static final System.Logger LOG = System.getLogger(DeliveryQueue.class.getName());

    private final String backend;
    private final Clock clock;
    private long sent;
    private long retried;
    private Instant lastSuccess;
    private Instant failingSince;
    private String lastError;
    private volatile String senderDied;

    /** @param spoolProblem why the spool could not be used at start, or null */
    DeliveryHealth(String backend, Clock clock, String spoolProblem) {
        this.backend = backend;
        this.clock = clock;
        this.lastError = spoolProblem;
    }

    /** The health now, with the backlog's queued bytes and drops read under the same lock. */
    synchronized BackendHealth of(Backlog backlog) {
        String error = senderDied != null ? senderDied : lastError;
        Instant failing = senderDied != null && failingSince == null ? clock.instant() : failingSince;
        return new BackendHealth(backend, lastSuccess, failing, error, backlog.queuedBytes(), sent, retried, backlog.dropped());
    }

    synchronized void delivered() {
        sent++;
        lastSuccess = clock.instant();
        if (failingSince != null) {
            LOG.log(Level.INFO, "backend {0}: delivering again after failures since {1}", backend, failingSince);
        }
        failingSince = null;
        lastError = null;
    }

    synchronized void retrying(String error) {
        retried++;
        if (failingSince == null) {
            failingSince = clock.instant();
            LOG.log(Level.WARNING, "backend {0}: delivery failing, retrying with backoff: {1}", backend, error);
        }
        lastError = error;
    }

    synchronized void rejected(String error) {
        if (failingSince == null) {
            failingSince = clock.instant();
        }
        lastError = error;
    }

    /** The sender thread ended: the backend fails from now on, for this reason. */
    void senderDied(String why) {
        senderDied = why;
    }
}
