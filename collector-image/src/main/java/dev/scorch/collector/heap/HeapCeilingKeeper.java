package dev.scorch.collector.heap;

import java.time.Duration;

/**
 * Keeps the collector's committed heap under its {@link HeapCeiling}: a daemon thread reads the
 * committed heap ({@link Runtime#totalMemory}) every {@link #PERIOD} and asks for a full GC
 * ({@link System#gc}, a full collection with the serial collector) when the ceiling says so. The
 * committed heap is what the serial collector makes resident: it commits the old generation only
 * as promotions need it, and uncommits at a full GC what the free-ratio flags of {@code jvm.options}
 * do not keep. A poll costs two reads of the heap's counters; between two polls the heap grows by
 * what a second promotes, far less than the headroom (docs/architecture.md, "The committed heap").
 */
public final class HeapCeilingKeeper implements AutoCloseable {

    /** How often the committed heap is read. */
    static final Duration PERIOD = Duration.ofSeconds(1);

    /**
     * The ceiling's settings for this JVM: {@code scorch.heapCeiling.headroomMiB} (default 8) past
     * the least heap the last {@code scorch.heapCeiling.recentGcs} (default 3) full GCs left
     * committed, at most one full GC asked for every {@code scorch.heapCeiling.intervalSeconds}
     * (default 10), {@code -Xmx} the limit. The properties are there for the benches' side-by-side
     * runs (docs/benchmarks.md, "The committed heap follows the live set"); a headroom of 0 turns
     * the ceiling off.
     */
    public static HeapCeiling.Settings settingsFor(Runtime runtime) {
        long headroomMiB = Long.getLong("scorch.heapCeiling.headroomMiB", 8);
        return new HeapCeiling.Settings(headroomMiB > 0 ? headroomMiB << 20 : runtime.maxMemory(),
                Integer.getInteger("scorch.heapCeiling.recentGcs", 3),
                Duration.ofSeconds(Long.getLong("scorch.heapCeiling.intervalSeconds", 10)), runtime.maxMemory());
    }

    private static final System.Logger LOG = System.getLogger(HeapCeilingKeeper.class.getName());

    private final Thread thread;

    private HeapCeilingKeeper(Thread thread) {
        this.thread = thread;
    }

    /** Starts keeping this JVM's committed heap under a ceiling of {@code settings}. */
    public static HeapCeilingKeeper start(HeapCeiling.Settings settings) {
        Runtime runtime = Runtime.getRuntime();
        HeapCeiling ceiling = new HeapCeiling(settings, runtime.totalMemory());
        Thread thread = Thread.ofPlatform().daemon().name("scorch-heap-ceiling").start(() -> keep(ceiling, runtime));
        return new HeapCeilingKeeper(thread);
    }

    private static void keep(HeapCeiling ceiling, Runtime runtime) {
        try {
            while (true) {
                Thread.sleep(PERIOD);
                long committed = runtime.totalMemory();
                if (ceiling.shouldCollect(committed, System.nanoTime())) {
                    System.gc();
                    long after = runtime.totalMemory();
                    ceiling.collected(after, System.nanoTime());
                    LOG.log(System.Logger.Level.DEBUG, "heap committed past its ceiling: full GC, {0} KiB committed -> {1} KiB "
                            + "({2} KiB in use), next ceiling {3} KiB", committed >> 10, after >> 10,
                            (after - runtime.freeMemory()) >> 10, ceiling.ceilingBytes() >> 10);
                }
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
