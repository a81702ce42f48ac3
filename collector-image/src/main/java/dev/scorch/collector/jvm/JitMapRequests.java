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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Has HotSpot JVMs among the sampled processes write their JIT symbols as a perf map
 * ({@code jcmd Compiler.perfmap}, JDK 17+) through {@link HotSpotAttach}, with no flag or agent in
 * the application. Asked before a JVM's perf map is read; a JVM is asked at most once per
 * {@code minInterval} (code compiled since is named at the next request), and a JVM that refuses
 * (no attach listener, JDK without the command, SIGQUIT not caught, another user namespace) is
 * counted by reason, named in {@link #refusedJvms()} and never asked again. The maps it caused are
 * removed once their JVM has exited ({@link CausedPerfMaps}).
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
    private final LongSupplier nanoTime;
    private final LinkedHashMap<Integer, Long> askedAt = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, Boolean> hotSpot = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Integer, String> refused = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Long> refusals = new TreeMap<>();
    private final CausedPerfMaps causedMaps;
    private final AtomicLong sweptAt;
    private long written;

    public JitMapRequests(Path procRoot, Duration minInterval, Duration attachTimeout) {
        this(procRoot, minInterval, new HotSpotAttach(procRoot, attachTimeout), System::nanoTime);
    }

    JitMapRequests(Path procRoot, Duration minInterval, HotSpotAttach attach, LongSupplier nanoTime) {
        this.procRoot = procRoot;
        this.attach = attach;
        this.minIntervalNanos = minInterval.toNanos();
        this.nanoTime = nanoTime;
        this.causedMaps = new CausedPerfMaps(procRoot);
        this.sweptAt = new AtomicLong(nanoTime.getAsLong());
    }

    /** The collector's defaults: at most one request per JVM every 30 s, 3 s for the JVM to answer. */
    public static JitMapRequests ofThisHost() {
        return new JitMapRequests(Path.of("/proc"), Duration.ofSeconds(30), Duration.ofSeconds(3));
    }

    @Override
    public synchronized void refresh(ProcessSnapshot process) {
        int pid = process.pid();
        sweepExitedJvms();
        if (process.exited() || refused.containsKey(pid) || !isHotSpot(pid)) {
            return;
        }
        long now = nanoTime.getAsLong();
        Long last = askedAt.get(pid);
        if (last != null && now - last < minIntervalNanos) {
            return;
        }
        askedAt.put(pid, now);
        trim(askedAt);
        try {
            causedMaps.beforeRequest(pid, process.namespacePid());
            attach.jcmd(pid, process.namespacePid(), COMMAND);
            causedMaps.afterRequest(pid);
            written++;
        } catch (HotSpotAttach.AttachException e) {
            causedMaps.requestFailed(pid);
            refused.put(pid, process.command() + " (pid " + pid + "): " + e.reason());
            trim(refused);
            refusals.merge(e.reason(), 1L, Long::sum);
            LOG.log(Level.INFO, "JVM " + pid + " (" + process.command() + ") gives no JIT symbols; its Java frames stay unnamed: "
                    + e.getMessage());
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

    /** Perf maps the JVMs wrote on request. */
    public synchronized long written() {
        return written;
    }

    /** JVMs that refused, by reason. */
    public synchronized Map<String, Long> refusals() {
        return new TreeMap<>(refusals);
    }

    /** The JVMs that refused ({@code command (pid n): reason}), most recent last. */
    public synchronized java.util.List<String> refusedJvms() {
        return java.util.List.copyOf(refused.values());
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
