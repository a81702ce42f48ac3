package dev.scorch.collector.jvm;

import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.PerfMapWriter;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Has HotSpot JVMs among the sampled processes write their JIT symbols as a perf map
 * ({@code jcmd Compiler.perfmap}, JDK 17+) through {@link HotSpotAttach}, with no flag or agent in
 * the application. Asked before a JVM's perf map is read; a JVM is asked at most once per
 * {@code minInterval} (code compiled since is named at the next request), at most once per round,
 * and never while its previous request is in flight. The maps it caused are removed once their JVM
 * has exited, and all of them when the requests end ({@link CausedPerfMaps}).
 *
 * <p>A JVM that cannot answer is told from one that answers slowly. One whose performance data
 * says its attach mechanism is disabled is never signalled ({@code attach_disabled}); one that
 * refuses (a JDK without the command, SIGQUIT not caught, another user namespace) is counted by
 * reason, named in {@link #refusedJvms()} and never asked again. One that did not answer within
 * the attach timeout (it had not taken its signal, its listener did not start or reply in time or
 * the exchange failed: stopped, starved of CPU) is counted in {@link #unanswered()} and asked again
 * after a back-off that doubles with each miss, from twice {@code minInterval} to 32 times. A JVM
 * that took its signal and opened no socket and has no performance data to say whether attach is
 * enabled ({@code -XX:-UsePerfData}) is asked again so too, {@link #SILENT_TRIES} times in a row
 * at most, then refused as {@code no_listener}.
 *
 * <p>Each request runs on a virtual thread of its own. A symbolization round ({@link #beginRound})
 * waits for answers until {@code roundWait} after it began, in all, however many JVMs are slow. A
 * round is told at its start the processes whose stacks it resolves (the due policies' pids) and
 * sends the requests due to the JVMs among them then, side by side, so a JVM reached late in the
 * round, one seen for the first time included, has had the round's whole wait to answer. A JVM
 * that has not answered by the round's deadline is symbolized from the map it already has (none on
 * its first request), counted in {@link #late()}, and its answer, when it comes, serves the next
 * round; a later round does not wait on it again.
 *
 * <p>This class is the requests' one lock and lifecycle (when each JVM is due, the answers in
 * flight, the end and the hand-over to the next collector); what became of the requests is
 * {@link JitMapOutcomes}, the maps {@link CausedPerfMaps}, a round {@link JitMapRound}. It runs
 * past 250 lines with the accessors the metrics read.
 */
public final class JitMapRequests implements PerfMapWriter {

    private static final System.Logger LOG = System.getLogger(JitMapRequests.class.getName());
    private static final int MAX_TRACKED = 4096;
    /** How often exited JVMs' maps are looked for, at most. */
    private static final long SWEEP_NANOS = 10_000_000_000L;
    /** A JVM that did not answer waits {@code minInterval} times 2, 4, ... up to this power of two before it is asked again. */
    private static final int MAX_BACKOFF_DOUBLINGS = 5;
    /** Tries of a JVM without performance data that opens no socket, in a row, before it is written off as {@code no_listener}. */
    static final int SILENT_TRIES = 3;
    /** The reasons a request may have reached the JVM and gone unanswered in time: the JVM may still write its map. */
    private static final Set<String> REACHED_UNANSWERED = Set.of("timeout", "socket_error");
    /** The reasons a JVM did not answer that a later request may overcome. */
    private static final Set<String> UNANSWERED = Set.of("timeout", "not_scheduled", "socket_error");
    static final String COMMAND = "Compiler.perfmap";

    private final Path procRoot;
    private final HotSpotAttach attach;
    private final long minIntervalNanos;
    private final long roundWaitNanos;
    private final LongSupplier nanoTime;
    private final HotSpotProcesses hotSpot;
    private final JitMapOutcomes outcomes = new JitMapOutcomes();
    /** Requests sent and not yet answered, by pid. */
    private final Map<Integer, CompletableFuture<Void>> inFlight = new HashMap<>();
    /** When each JVM may be asked next: {@code minInterval} after its last request, later after misses. */
    private final LinkedHashMap<Integer, Long> dueAt = new LinkedHashMap<>(16, 0.75f, true);
    private final CausedPerfMaps causedMaps;
    private final AtomicLong sweptAt;
    private boolean stopped;
    /** Where the JVMs that still owe an answer at the end are written for the next collector; null: nowhere. */
    private volatile Path answersDueFile;

    /** Asks JVMs with a round wait equal to {@code attachTimeout}. */
    public JitMapRequests(Path procRoot, Duration minInterval, Duration attachTimeout) {
        this(procRoot, minInterval, attachTimeout, attachTimeout);
    }

    public JitMapRequests(Path procRoot, Duration minInterval, Duration attachTimeout, Duration roundWait) {
        this(procRoot, minInterval, roundWait, new HotSpotAttach(procRoot, attachTimeout), System::nanoTime);
    }

    JitMapRequests(Path procRoot, Duration minInterval, Duration roundWait, HotSpotAttach attach, LongSupplier nanoTime) {
        this.procRoot = procRoot;
        this.attach = attach;
        this.minIntervalNanos = minInterval.toNanos();
        this.roundWaitNanos = roundWait.toNanos();
        this.nanoTime = nanoTime;
        this.hotSpot = new HotSpotProcesses(procRoot);
        this.causedMaps = new CausedPerfMaps(procRoot);
        this.sweptAt = new AtomicLong(nanoTime.getAsLong());
    }

    /**
     * The collector's defaults: at most one request per JVM every 30 s, 3 s for the JVM to answer,
     * 2 s of waiting on JVMs per round.
     */
    public static JitMapRequests ofThisHost() {
        return new JitMapRequests(Path.of("/proc"), Duration.ofSeconds(30), Duration.ofSeconds(3), Duration.ofSeconds(2));
    }

    /**
     * Starts a round over the stacks of {@code processes}: its requests are waited for until
     * {@code roundWait} from now, in all, and the requests due to the JVMs among {@code processes}
     * are sent now, side by side.
     */
    @Override
    public Round beginRound(Collection<? extends ProcessSnapshot> processes) {
        JitMapRound round = new JitMapRound(this, nanoTime.getAsLong() + roundWaitNanos, nanoTime, outcomes);
        processes.forEach(round::sendAtStart);
        return round;
    }

    /**
     * Asks {@code process} on its own, outside any round (a tool, a test), and waits for the answer,
     * which the attach timeout bounds.
     */
    public void ask(ProcessSnapshot process) {
        CompletableFuture<Void> answer = request(process);
        if (answer != null) {
            answer.join();
        }
    }

    /** From now on no JVM is asked (the collector stops): Java frames are named from the maps at hand. */
    public synchronized void stopAsking() {
        stopped = true;
    }

    private boolean mayAsk(ProcessSnapshot process) {
        return !stopped && !process.exited() && !outcomes.hasRefused(process.pid()) && hotSpot.isHotSpot(process.pid());
    }

    /** Sends the request to the JVM when it is due and none is in flight; returns its answer, null when there is none to await. */
    synchronized CompletableFuture<Void> request(ProcessSnapshot process) {
        int pid = process.pid();
        sweepExitedJvms();
        if (!mayAsk(process)) {
            return null;
        }
        if (inFlight.containsKey(pid)) {
            // Late in an earlier round: a round waits only on what it asked itself, so a slow JVM costs one round's wait.
            return null;
        }
        long now = nanoTime.getAsLong();
        Long due = dueAt.get(pid);
        if (due != null && now - due < 0) {
            return null;
        }
        dueAt.put(pid, now + minIntervalNanos);
        trim(dueAt);
        CompletableFuture<Void> answer = new CompletableFuture<>();
        inFlight.put(pid, answer);
        outcomes.sent();
        Thread.ofVirtual().name("jit-map-request-" + pid).start(() -> {
            try {
                send(process, now);
            } finally {
                synchronized (this) {
                    inFlight.remove(pid);
                }
                answer.complete(null);
            }
        });
        return answer;
    }

    private void send(ProcessSnapshot process, long sentAtNanos) {
        int pid = process.pid();
        try {
            if (HotSpotPerfData.attach(procRoot, pid) == HotSpotPerfData.Attach.DISABLED) {
                throw new HotSpotAttach.AttachException("attach_disabled",
                        "its performance data says -XX:+DisableAttachMechanism; not signalled (it would print a thread dump)");
            }
            causedMaps.beforeRequest(pid, process.namespacePid());
            attach.jcmd(pid, process.namespacePid(), COMMAND);
            causedMaps.afterRequest(pid);
            outcomes.written(pid);
        } catch (HotSpotAttach.AttachException e) {
            causedMaps.requestFailed(pid, REACHED_UNANSWERED.contains(e.reason()));
            if (UNANSWERED.contains(e.reason()) || e.reason().equals("no_listener") && mayListenLater(pid)) {
                missed(process, sentAtNanos, e);
            } else {
                refuse(process, e);
            }
        }
    }

    /**
     * Whether a JVM that took its signal and opened no socket may still start its listener: its
     * performance data says attach is enabled (a listener slow to start, or whose start failed),
     * or there is none to say ({@code -XX:-UsePerfData}) and it has not missed
     * {@link #SILENT_TRIES} times in a row: each try of a JVM whose mechanism is disabled prints a
     * thread dump, so such a JVM prints at most that many.
     */
    private boolean mayListenLater(int pid) {
        return switch (HotSpotPerfData.attach(procRoot, pid)) {
            case ENABLED -> true;
            case UNKNOWN -> outcomes.misses(pid) + 1 < SILENT_TRIES;
            case DISABLED -> false;
        };
    }

    /** The JVM did not answer in time: asked again after a back-off that doubles with each miss in a row. */
    private void missed(ProcessSnapshot process, long sentAtNanos, HotSpotAttach.AttachException e) {
        int pid = process.pid();
        int inARow = outcomes.missed(pid);
        long backOff = minIntervalNanos << Math.min(inARow, MAX_BACKOFF_DOUBLINGS);
        synchronized (this) {
            dueAt.put(pid, sentAtNanos + backOff);
        }
        if (inARow == 1) {
            LOG.log(Level.INFO, "JVM " + pid + " (" + process.command() + ") did not answer its JIT map request; asked again in "
                    + TimeUnit.NANOSECONDS.toSeconds(backOff) + " s, later if it misses again: " + e.getMessage());
        }
    }

    private void refuse(ProcessSnapshot process, HotSpotAttach.AttachException e) {
        outcomes.refused(process, e.reason());
        LOG.log(Level.INFO, "JVM " + process.pid() + " (" + process.command() + ") gives no JIT symbols; its Java frames stay unnamed: "
                + e.getMessage());
    }

    /** Removes the maps this collector caused of the JVMs that have exited since the last look. */
    public void removeMapsOfExitedJvms() {
        sweptAt.set(nanoTime.getAsLong());
        causedMaps.removeExited();
    }

    /**
     * {@link #removeMapsOfExitedJvms()} at most once every 10 s, for callers on a regular path (each
     * request, each interval's end). It does not wait for a request in progress.
     */
    public void sweepExitedJvms() {
        long last = sweptAt.get();
        long now = nanoTime.getAsLong();
        if (now - last >= SWEEP_NANOS && sweptAt.compareAndSet(last, now)) {
            causedMaps.removeExited();
        }
    }

    /**
     * The end of the requests (the collector stops, a recording ends): no JVM is asked from now on,
     * the requests in flight are waited for (each is bounded by its attach timeouts), and every map
     * this collector caused that is still as the JVM wrote it is removed, the running JVMs' too, for
     * nothing reads them after. A request that outlasts the wait has its map removed when it is
     * answered; the JVMs that still owe an answer are handed to the next collector
     * ({@link #handOverAnswersDueThrough}), which removes the map one writes after this process has exited.
     *
     * @return the maps removed
     */
    public int removeCausedMaps() {
        List<CompletableFuture<Void>> pending;
        synchronized (this) {
            stopped = true;
            pending = List.copyOf(inFlight.values());
        }
        // Handed over before the wait too: a stop whose deadline cuts the wait short still leaves the next collector its JVMs.
        handOverAnswersDue();
        try {
            // A request waits up to the timeout for the listener and up to the timeout for the reply (twice after a stale socket).
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(3 * attach.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(Level.INFO, inFlight() + " JIT map request(s) still unanswered at the end; their maps are removed when answered");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int removed = causedMaps.removeAll();
        handOverAnswersDue();
        return removed;
    }

    private void handOverAnswersDue() {
        if (answersDueFile != null) {
            AnswersDueFile.write(answersDueFile, causedMaps.answersDue());
        }
    }

    /**
     * Hands the JVMs that still owe an answer at the end to the next collector on the host through
     * {@code file} (in a directory that outlives the collector), and takes over those the previous
     * one left there: a JVM that answers after its collector has exited has that map removed by the
     * next one, as soon as it sees it or once the JVM has exited.
     *
     * @return the JVMs taken over
     */
    public int handOverAnswersDueThrough(Path file) {
        answersDueFile = file;
        int adopted = causedMaps.adopt(AnswersDueFile.take(file));
        if (adopted > 0) {
            LOG.log(Level.INFO, adopted + " JVM(s) still owe an earlier collector's JIT map request; their maps are removed once written");
            // The next request or interval's end looks at once.
            sweptAt.set(nanoTime.getAsLong() - SWEEP_NANOS);
        }
        return adopted;
    }

    /** The maps this collector caused, by what became of them ({@link CausedPerfMaps#outcomes()}). */
    public Map<String, Long> causedMaps() {
        return causedMaps.outcomes();
    }

    /** Requests sent to JVMs, answered or not. */
    public long sent() {
        return outcomes.sentCount();
    }

    /** Perf maps the JVMs wrote on request. */
    public long written() {
        return outcomes.writtenCount();
    }

    /** Requests whose round went on without their answer: the JVM's frames were named from the map it had. */
    public long late() {
        return outcomes.lateCount();
    }

    /** Requests the JVM did not answer within the attach timeout; it is asked again after a back-off. */
    public long unanswered() {
        return outcomes.unansweredCount();
    }

    /** The JVMs whose answer a round did not wait for ({@code command (pid n)}), most recent last. */
    public List<String> lateJvms() {
        return outcomes.lateJvms();
    }

    /** Requests sent and not yet answered. */
    public synchronized int inFlight() {
        return inFlight.size();
    }

    /** JVMs that refused, by reason. */
    public Map<String, Long> refusals() {
        return outcomes.refusals();
    }

    /** The JVMs that refused ({@code command (pid n): reason}), most recent last. */
    public List<String> refusedJvms() {
        return outcomes.refusedJvms();
    }

    private static void trim(LinkedHashMap<Integer, ?> map) {
        var eldest = map.keySet().iterator();
        while (map.size() > MAX_TRACKED && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
