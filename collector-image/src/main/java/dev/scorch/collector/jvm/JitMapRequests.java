package dev.scorch.collector.jvm;

import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.PerfMapWriter;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * and never while its previous request is in flight; a JVM that refuses (no attach listener, JDK
 * without the command, SIGQUIT not caught, another user namespace) is counted by reason, named in
 * {@link #refusedJvms()} and never asked again. The maps it caused are removed once their JVM has
 * exited ({@link CausedPerfMaps}).
 *
 * <p>Each request runs on a virtual thread of its own. A symbolization round ({@link #beginRound()})
 * waits for answers until {@code roundWait} after it began, in all, however many JVMs are slow (a
 * stopped or overloaded JVM answers in up to the attach timeout). A round starts by sending the
 * requests due to the JVMs that rounds refreshed in the last {@link #RECENT_NANOS}, so they run
 * side by side and a JVM reached late in the round has had the round's whole wait to answer; a JVM
 * seen for the first time is asked when the round reaches it. A JVM that has not answered by the
 * round's deadline is symbolized from the map it already has (none on its first request), counted
 * in {@link #late()}, and its answer, when it comes, serves the next round; a later round does not
 * wait on it again.
 */
public final class JitMapRequests implements PerfMapWriter {

    private static final System.Logger LOG = System.getLogger(JitMapRequests.class.getName());
    private static final int MAX_TRACKED = 4096;
    private static final int MAX_MAPS_BYTES = 4 << 20;
    /** How often exited JVMs' maps are looked for, at most. */
    private static final long SWEEP_NANOS = 10_000_000_000L;
    /**
     * How long a JVM a round refreshed is asked at later rounds' start: longer than any interval
     * a policy takes, so the JVMs of a policy with a long interval are asked at its next round too.
     */
    static final long RECENT_NANOS = 300_000_000_000L;
    static final String COMMAND = "Compiler.perfmap";

    private final Path procRoot;
    private final HotSpotAttach attach;
    private final long minIntervalNanos;
    private final long roundWaitNanos;
    private final LongSupplier nanoTime;
    private final ProcProcesses processes;
    /** Requests sent and not yet answered, by pid. */
    private final Map<Integer, CompletableFuture<Void>> inFlight = new HashMap<>();
    private final Map<Integer, String> lateJvms = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, Long> askedAt = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, Boolean> hotSpot = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, String> refused = new LinkedHashMap<>(16, 0.75f, true);
    /** The JVMs rounds refreshed, by pid, asked again at a round's start while recent. */
    private final LinkedHashMap<Integer, RecentJvm> recent = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Long> refusals = new TreeMap<>();
    private final CausedPerfMaps causedMaps;
    private final AtomicLong sweptAt;
    private boolean stopped;
    private long sent;
    private long written;
    private long late;

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
        this.processes = new ProcProcesses(procRoot);
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

    /** A JVM a round refreshed: the process as the round saw it, who it is (a reused pid is another process) and when. */
    private record RecentJvm(ProcessSnapshot process, ProcProcesses.Identity identity, long refreshedAtNanos) {}

    /**
     * Starts a round: its requests are waited for until {@code roundWait} from now, in all, and the
     * requests due to the JVMs recent rounds refreshed are sent now, side by side.
     */
    @Override
    public Round beginRound() {
        Round round = new Round(nanoTime.getAsLong() + roundWaitNanos);
        for (ProcessSnapshot jvm : recentJvms()) {
            round.sentAtStart.put(jvm.pid(), request(jvm));
        }
        return round;
    }

    /**
     * One symbolization round's requests: each JVM is asked at most once and waited for until the
     * round's deadline. Used by the one thread that builds the round's profiles.
     */
    public final class Round implements PerfMapWriter.Round {
        private final long deadlineNanos;
        /** Requests sent at the round's start, by pid, until the round reaches their JVM (null: none was due). */
        private final Map<Integer, CompletableFuture<Void>> sentAtStart = new HashMap<>();
        private final Set<Integer> reached = new HashSet<>();

        private Round(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void refresh(ProcessSnapshot process) {
            int pid = process.pid();
            if (!reached.add(pid)) {
                return;
            }
            CompletableFuture<Void> answer = sentAtStart.containsKey(pid) ? sentAtStart.remove(pid) : request(process);
            if (answer == null) {
                return;
            }
            try {
                answer.get(Math.max(0, deadlineNanos - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                answeredLate(process);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.log(Level.WARNING, "JIT map request to JVM " + pid + " failed", e.getCause());
            }
        }
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

    /** The recent rounds' JVMs still running, the stale ones forgotten. */
    private List<ProcessSnapshot> recentJvms() {
        List<RecentJvm> candidates;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            recent.values().removeIf(jvm -> now - jvm.refreshedAtNanos() > RECENT_NANOS);
            candidates = List.copyOf(recent.values());
        }
        List<ProcessSnapshot> running = new ArrayList<>(candidates.size());
        for (RecentJvm jvm : candidates) {
            if (!jvm.process().exited() && processes.running(jvm.identity())) {
                running.add(jvm.process());
            }
        }
        return running;
    }

    /** Sends the request to the JVM when it is due and none is in flight; returns its answer, null when there is none to await. */
    private synchronized CompletableFuture<Void> request(ProcessSnapshot process) {
        int pid = process.pid();
        sweepExitedJvms();
        if (stopped || process.exited() || refused.containsKey(pid) || !isHotSpot(pid)) {
            return null;
        }
        remember(process);
        if (inFlight.containsKey(pid)) {
            // Late in an earlier round: a round waits only on what it asked itself, so a slow JVM costs one round's wait.
            return null;
        }
        long now = nanoTime.getAsLong();
        Long last = askedAt.get(pid);
        if (last != null && now - last < minIntervalNanos) {
            return null;
        }
        askedAt.put(pid, now);
        trim(askedAt);
        CompletableFuture<Void> answer = new CompletableFuture<>();
        inFlight.put(pid, answer);
        sent++;
        Thread.ofVirtual().name("jit-map-request-" + pid).start(() -> {
            try {
                send(process);
            } finally {
                synchronized (this) {
                    inFlight.remove(pid);
                }
                answer.complete(null);
            }
        });
        return answer;
    }

    /** Notes that a round refreshed {@code process} now; who the process is, is read once per process seen. */
    private void remember(ProcessSnapshot process) {
        RecentJvm known = recent.get(process.pid());
        ProcProcesses.Identity identity = known != null && known.process() == process ? known.identity() : processes.identity(process.pid());
        if (identity != null) {
            recent.put(process.pid(), new RecentJvm(process, identity, nanoTime.getAsLong()));
            trim(recent);
        }
    }

    private void send(ProcessSnapshot process) {
        int pid = process.pid();
        try {
            causedMaps.beforeRequest(pid, process.namespacePid());
            attach.jcmd(pid, process.namespacePid(), COMMAND);
            causedMaps.afterRequest(pid);
            synchronized (this) {
                written++;
            }
        } catch (HotSpotAttach.AttachException e) {
            causedMaps.requestFailed(pid);
            synchronized (this) {
                refused.put(pid, process.command() + " (pid " + pid + "): " + e.reason());
                trim(refused);
                refusals.merge(e.reason(), 1L, Long::sum);
            }
            LOG.log(Level.INFO, "JVM " + pid + " (" + process.command() + ") gives no JIT symbols; its Java frames stay unnamed: "
                    + e.getMessage());
        }
    }

    private synchronized void answeredLate(ProcessSnapshot process) {
        late++;
        lateJvms.put(process.pid(), process.command() + " (pid " + process.pid() + ")");
        if (lateJvms.size() > MAX_TRACKED) {
            lateJvms.remove(lateJvms.keySet().iterator().next());
        }
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
     * Removes every map this collector caused that is still as the JVM wrote it on request, the
     * running JVMs' too: the end of a recording, after which nothing reads them.
     *
     * @return the maps removed
     */
    public int removeCausedMaps() {
        return causedMaps.removeAll();
    }

    /** The maps this collector caused, by what became of them ({@link CausedPerfMaps#outcomes()}). */
    public Map<String, Long> causedMaps() {
        return causedMaps.outcomes();
    }

    /** Requests sent to JVMs, answered or not. */
    public synchronized long sent() {
        return sent;
    }

    /** Perf maps the JVMs wrote on request. */
    public synchronized long written() {
        return written;
    }

    /** Requests whose round went on without their answer: the JVM's frames were named from the map it had. */
    public synchronized long late() {
        return late;
    }

    /** The JVMs whose answer a round did not wait for ({@code command (pid n)}), most recent last. */
    public synchronized List<String> lateJvms() {
        return List.copyOf(lateJvms.values());
    }

    /** Requests sent and not yet answered. */
    public synchronized int inFlight() {
        return inFlight.size();
    }

    /** JVMs that refused, by reason. */
    public synchronized Map<String, Long> refusals() {
        return new TreeMap<>(refusals);
    }

    /** The JVMs that refused ({@code command (pid n): reason}), most recent last. */
    public synchronized List<String> refusedJvms() {
        return List.copyOf(refused.values());
    }

    /** Whether the process maps HotSpot's {@code libjvm.so}; read once per pid. */
    private boolean isHotSpot(int pid) {
        Boolean known = hotSpot.get(pid);
        if (known == null) {
            known = mapsLibJvm(procRoot.resolve(pid + "/maps"));
            hotSpot.put(pid, known);
            trim(hotSpot);
        }
        return known;
    }

    private static boolean mapsLibJvm(Path maps) {
        try (InputStream in = Files.newInputStream(maps)) {
            String text = new String(in.readNBytes(MAX_MAPS_BYTES), StandardCharsets.UTF_8);
            return text.contains("/libjvm.so\n") || text.contains("/libjvm.so (deleted)\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static void trim(LinkedHashMap<Integer, ?> map) {
        var eldest = map.keySet().iterator();
        while (map.size() > MAX_TRACKED && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
