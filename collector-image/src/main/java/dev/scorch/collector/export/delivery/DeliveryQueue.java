package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The delivery of one network backend: a {@link Backlog} (the bounded spool) and one sender thread
 * that sends its oldest profile, settles it once the backend answered, and backs off with jitter
 * while the backend fails. Every backend has its own backlog and thread, so a dead backend only
 * ever fills its own spool; profiles held in memory (sent first, or spool unwritable) share the collector's one
 * budget of them ({@link DeliverySettings#memoryBudget}), where the oldest of any backend goes first.
 *
 * <p>Spool on failure: while the backend keeps up, {@link #offer} queues the profile in memory and
 * the sender sends it from there, with no disk work. A profile whose send fails is written to the
 * spool before the retry waits; what is offered while the backend is behind or failing is written
 * to the spool on the caller's thread (local disk only, never the network) and queued once durable
 * (offered in an {@link OfferRound}, when the round commits); {@link #close} spools what is still
 * in memory. A crash (not a stop) while a healthy send is in flight loses that one profile.
 *
 * <p>Loss is always counted, by reason: {@code spool-full}, {@code memory-full}, {@code too-large},
 * {@code corrupt-spool-file}, {@code partial-write}, {@code unrecoverable-spool-file},
 * {@code possibly-delivered}, {@code closed}, and the reason of each permanent rejection (e.g.
 * {@code rejected-http-400}). A sender thread that dies makes the backend fail in its health.
 */
public final class DeliveryQueue implements ProfileExporter {

    private static final System.Logger LOG = System.getLogger(DeliveryQueue.class.getName());

    /**
     * How long a send in flight when shutdown begins ({@link #stopSending}) may go on. A send cut
     * short after the backend stored it would be sent again after the restart; past this bound its
     * spool file is marked possibly delivered instead, the send is cut, and the next start drops
     * the file (counted). Counted from the start of shutdown, not from {@link #close}, so the cut
     * does not wait for the final interval to be built, and comes before the sender's own request
     * timeout ends a held send as an ordinary failure.
     */
    static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(5);

    private final String backend;
    private final ProfileSender sender;
    private final DeliverySettings settings;
    private final Backlog backlog;
    private final Thread thread;

    private final DeliveryHealth health;
    private Thread cutter;

    /**
     * Recovers the backend's spool from a previous run and starts its sender thread.
     *
     * @param backend backend name from the policy; also the spool sub-directory
     */
    public DeliveryQueue(String backend, ProfileSender sender, DeliverySettings settings) {
        this.backend = backend;
        this.sender = sender;
        this.settings = settings;
        this.backlog = new Backlog(backend, settings);
        backlog.recover();
        this.health = new DeliveryHealth(backend, settings.clock(), backlog.spoolProblem());
        this.thread = Thread.ofVirtual().name("scorch-export-" + backend).start(this::runSender);
    }

    @Override
    public String backendName() {
        return backend;
    }

    @Override
    public WireFormat wireFormat() {
        return sender.wireFormat();
    }

    @Override
    public void offer(ExportedProfile profile) {
        backlog.add(profile);
    }

    @Override
    public void offer(ExportedProfile profile, OfferRound round) {
        backlog.add(profile, round);
    }

    @Override
    public BackendHealth health() {
        return health.of(backlog);
    }

    /**
     * Shutdown began: no new send starts (what is offered from now waits in the spool for the next
     * start), and the send in flight gets {@link #IN_FLIGHT_GRACE} from now to finish; past that its
     * spool file is marked possibly delivered and the send cut. Called again, or by {@link #close},
     * it changes nothing.
     */
    @Override
    public synchronized void stopSending() {
        if (cutter == null) {
            backlog.hold();
            long graceEnd = System.nanoTime() + IN_FLIGHT_GRACE.toNanos();
            cutter = Thread.ofVirtual().name("scorch-export-cut-" + backend).start(() -> cutAt(graceEnd));
        }
    }

    private void cutAt(long graceEnd) {
        QueuedProfile cut = backlog.outstandingSend().cutAt(graceEnd);
        if (cut instanceof QueuedProfile.OnDisk) {
            LOG.log(Level.WARNING, "backend {0}: a send was still waiting for the backend''s answer {1} s after shutdown began; cut and"
                    + " its spool file marked possibly delivered, so it is not sent again after the restart", backend,
                    IN_FLIGHT_GRACE.toSeconds());
        } else if (cut != null) {
            LOG.log(Level.WARNING, "backend {0}: a send was still waiting for the backend''s answer {1} s after shutdown began; cut."
                    + " It was held only in memory (the spool could not take it): counted as possibly delivered, not sent again", backend,
                    IN_FLIGHT_GRACE.toSeconds());
        }
    }

    /**
     * Stops: {@link #stopSending} if shutdown did not already, waits for the send in flight to
     * finish or be cut at the end of its grace, then closes the sender. Spooled profiles stay on
     * disk for the next start; profiles held only in memory are spooled, or lost and counted as
     * {@code closed} when the spool cannot take them.
     */
    @Override
    public void close() {
        stopSending();
        backlog.close();
        try {
            cutter.join();
            if (!thread.join(Duration.ofSeconds(2))) {
                thread.interrupt();
                thread.join(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
    }

    private void runSender() {
        try {
            deliverUntilClosed();
        } catch (Throwable e) {
            // An Error (out of memory on a hostile spool file, a stack overflow) ends delivery for this backend: say so in its
            // health, which the pod condition and readyz read, rather than staying green with nothing sent.
            String why = "the sender thread stopped (" + e.getClass().getName() + "); profiles stay spooled until the collector restarts";
            health.senderDied(why);
            LOG.log(Level.ERROR, "backend " + backend + ": " + why);
        }
    }

    private void deliverUntilClosed() {
        int failures = 0;
        while (true) {
            QueuedProfile item = backlog.next();
            if (item == null) {
                return;
            }
            ExportedProfile profile = backlog.load(item);
            if (profile == null) {
                continue;
            }
            SendFailure failure = null;
            boolean cut;
            backlog.outstandingSend().begins(item);
            try {
                sender.send(profile);
            } catch (SendFailure e) {
                failure = e;
            } catch (RuntimeException e) {
                // A bug in a sender must not end delivery for the backend: treat it as retryable. Its message may quote a
                // request header (a credential), so only its type and place reach health and logs.
                LOG.log(Level.ERROR, "backend " + backend + ": sender failed unexpectedly with " + e.getClass().getName() + " at "
                        + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "(no stack)"));
                failure = SendFailure.retryable("unexpected " + e.getClass().getName() + " in the sender", null);
            } finally {
                cut = backlog.outstandingSend().returned();
            }
            if (failure == null) {
                failures = 0;
                delivered(item);
            } else if (cut) {
                // Shutdown cut this send and marked its file (logged then): the failure says nothing about the backend, and
                // nothing is retried.
                return;
            } else if (failure.retryable()) {
                backlog.sendFailed(item);
                failures++;
                health.retrying(failure.getMessage());
                if (!backlog.pause(retryWait(failure, failures))) {
                    return;
                }
            } else {
                failures = 0;
                rejected(item, failure);
            }
        }
    }

    /** Health first, then the backlog: whoever sees the profile gone sees its outcome too. */
    private void delivered(QueuedProfile item) {
        health.delivered();
        backlog.settle(item, null);
    }

    /** Health first, then the backlog, as for a delivered profile. */
    private void rejected(QueuedProfile item, SendFailure failure) {
        health.rejected(failure.getMessage());
        backlog.settle(item, failure.reason());
        backlog.logOnce(failure.reason(), "backend " + backend + ": profile rejected, dropping it (counted as "
                + failure.reason() + "; later rejections for this reason are only counted): " + failure.getMessage());
    }

    private Duration retryWait(SendFailure failure, int failures) {
        Duration backoff = settings.backoff().delay(failures, ThreadLocalRandom.current());
        if (failure.retryAfter() == null) {
            return backoff;
        }
        Duration asked = failure.retryAfter().compareTo(settings.maxRetryAfter()) > 0 ? settings.maxRetryAfter() : failure.retryAfter();
        return asked.isNegative() ? backoff : asked;
    }
}
