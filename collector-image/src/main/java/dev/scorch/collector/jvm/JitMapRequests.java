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
 * <p>Each request runs on a virtual thread of its own; the caller waits for the answer only until
 * its round's deadline ({@link #beginRound()}, {@code roundWait} after the round began), so a round
 * waits on JVMs for {@code roundWait} in all however many JVMs are slow (a stopped or overloaded
 * JVM answers in up to the attach timeout). A JVM that has not answered by then is symbolized
 * from the map it already has (none on its first request), counted in {@link #late()}, and its
 * answer, when it comes, serves the next round; a later round does not wait on it again. Requests
 * started after the deadline are not waited for either: on a round's first request to a JVM seen
 * after a stopped one, that JVM too is named from the map it had.
 */
public final class JitMapRequests implements PerfMapWriter {

    private static final System.Logger LOG = System.getLogger(JitMapRequests.class.getName());
    private static final int MAX_TRACKED = 4096;
    private static final int MAX_MAPS_BYTES = 4 << 20;
    /** How often exited JVMs' maps are looked for, at most. */
    private static final long SWEEP_NANOS = 10_000_000_000L;
    static final String COMMAND = "Compiler.perfmap";

    private final Path procRoot;
    private final HotSpotAttach attach;
    private final long minIntervalNanos;
    private final long roundWaitNanos;
    private final LongSupplier nanoTime;
    /** The round the calling thread symbolizes in (a round is used by one thread), null outside one. */
    private final ThreadLocal<Round> round = new ThreadLocal<>();
    /** Requests sent and not yet answered, by pid. */
    private final Map<Integer, CompletableFuture<Void>> inFlight = new HashMap<>();
    private final Map<Integer, String> lateJvms = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, Long> askedAt = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, Boolean> hotSpot = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, String> refused = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Long> refusals = new TreeMap<>();
    private final CausedPerfMaps causedMaps;
    private final AtomicLong sweptAt;
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

    /** What one round has asked, and until when it waits for answers. */
    private record Round(long deadlineNanos, Set<Integer> asked) {}

    /**
     * Starts a round on the calling thread: its requests are waited for until {@code roundWait}
     * from now, in all. Outside a round a request is waited for until its answer or attach timeout.
     */
    @Override
    public void beginRound() {
        round.set(new Round(nanoTime.getAsLong() + roundWaitNanos, new HashSet<>()));
    }

    @Override
    public void refresh(ProcessSnapshot process) {
        Round current = round.get();
        if (current != null && !current.asked().add(process.pid())) {
            return;
        }
        CompletableFuture<Void> answer = request(process);
        if (answer == null) {
            return;
        }
        try {
            if (current == null) {
                // Outside a round (one request, as in a test or a tool): the answer, which the attach timeout bounds.
                answer.get();
            } else {
                answer.get(Math.max(0, current.deadlineNanos() - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            answeredLate(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.log(Level.WARNING, "JIT map request to JVM " + process.pid() + " failed", e.getCause());
        }
    }

    /** Sends the request to the JVM when it is due and none is in flight; returns its answer, null when there is none to await. */
    private synchronized CompletableFuture<Void> request(ProcessSnapshot process) {
        int pid = process.pid();
        sweepExitedJvms();
        if (process.exited() || refused.containsKey(pid) || !isHotSpot(pid)) {
            return null;
        }
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
                ask(process);
            } finally {
                synchronized (this) {
                    inFlight.remove(pid);
                }
                answer.complete(null);
            }
        });
        return answer;
    }

    private void ask(ProcessSnapshot process) {
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
