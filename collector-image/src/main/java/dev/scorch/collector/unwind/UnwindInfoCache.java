package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.budget.ParseRejections;
import dev.scorch.collector.budget.TotalBudget;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The unwind information of mapped object files, compiled once per object and shared by every
 * process that maps it: keyed by build id (file identity when there is none), least recently used
 * out past a byte bound. Each object is compiled under its own {@link ParseBudget}; a file that is
 * malformed or over budget is remembered in {@link #rejections()} for the life of the process (a
 * changed file has a new identity), so a hostile object costs one bounded attempt, not one per
 * sample. Files are opened, and their ELF headers parsed, by the {@link MappedObjects} the symbolizer
 * uses too: inside the process's root, and only when they hold the mapped inode.
 *
 * <p>Objects are compiled on a background thread: the sampler thread must never stall on a large
 * {@code .eh_frame} while the ring buffers fill. Until an object is ready, {@link #forMapping}
 * answers {@link #PENDING} and the unwinder stops at its frames. Objects with a small call-frame
 * section (or none) are read at once. What an object holds is read by {@link UnwindInfoReader}.
 *
 * <p>One file past the usual size: the maps from mapping, file identity and build id to a table,
 * the evicted keys and the background queue change together under one lock, and a mapping moves
 * between loading, known and evicted in one step of it.
 */
public final class UnwindInfoCache {

    private static final System.Logger LOG = System.getLogger(UnwindInfoCache.class.getName());
    private static final int MAX_MAPPINGS = 16_384;
    private static final String NO_INFO = "";

    /**
     * @param maxBytes bound on the estimated heap bytes of compiled tables
     * @param limits what compiling one object may cost
     * @param recompiledBytesPerMinute call-frame bytes a minute that objects whose table the bound
     *     evicted may be compiled again from; an object over it stops unwinding at its frames until
     *     the next minute
     */
    public record Settings(long maxBytes, ParseBudget.Limits limits, long recompiledBytesPerMinute) {
        /**
         * 4 MiB: it shares the heap with the symbol cache (8 MiB); compiled tables measured up to
         * 1.75 times their estimate in bench/soak.sh. A fixed size (once a sixteenth of the heap)
         * keeps the heap's size from changing what is cached. A host running gcc's cc1 (a 2.9 MB
         * table) and six JVM runtimes (1.0-1.2 MB each) at once needs about 10 MB: the objects
         * evict each other, and each compile of cc1 takes 0.8 s of CPU, so compiling again is held
         * to 8 MiB of call-frame sections a minute (cc1 and three libjvm.so), a few percent of a core.
         */
        public static Settings defaults() {
            return new Settings(4L << 20, CfiCompiler.limits(), 8L << 20);
        }
    }

    /** Answered by {@link #forMapping} while the object is being compiled. */
    public static final ObjectUnwindInfo PENDING = new ObjectUnwindInfo(List.of(), null, null);
    private static final String LOADING = "\u0000loading";
    private static final int MAX_QUEUED = 256;
    /**
     * Objects whose call-frame section is this small (or that have none, like Go binaries) are
     * read on the sampler thread at once (a millisecond or so): a program's own frames are then
     * complete from its first sample; larger ones go to the background thread.
     */
    private static final long SYNCHRONOUS_SECTION_BYTES = 32 << 10;
    private static final String DEFER = "\u0000defer";
    /** An evicted object refused a compile until the window of recompiles refills: asked again later. */
    private static final String LATER = "\u0000later";
    /** Keys of evicted tables remembered, to tell a compile again from a first one. */
    private static final int MAX_EVICTED = 1024;
    private static final ObjectUnwindInfo DEFERRED = new ObjectUnwindInfo(List.of(), null, null);

    private record MappingKey(int pid, long start, long limit, long inode) {}

    private record Load(MappingKey key, ProcessSnapshot process, Mapping mapping) {}

    private final Settings settings;
    private final MappedObjects objectFiles;
    private final ParseRejections rejections = new ParseRejections();
    private final LinkedHashMap<MappingKey, String> keysByMapping = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashMap<String, String> keysByIdentity = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, ObjectUnwindInfo> objects = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, Boolean> evicted = new LinkedHashMap<>(64, 0.75f, true);
    private final TotalBudget recompiles;
    private long bytes;
    /** Counts evictions: a caller that keeps tables of its own drops them when it changes, so the byte bound holds. */
    private volatile long generation;
    private final AtomicLong compiled = new AtomicLong();
    private final BlockingQueue<Load> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final boolean background;
    private Thread compilerThread;

    /**
     * A cache that compiles objects on its own daemon thread.
     *
     * @param objectFiles opens mapped object files and parses their headers, shared with the symbolizer
     */
    public UnwindInfoCache(MappedObjects objectFiles, Settings settings) {
        this(objectFiles, settings, true);
    }

    /** @param background compile on a daemon thread; false compiles in the calling thread (tests) */
    UnwindInfoCache(MappedObjects objectFiles, Settings settings, boolean background) {
        this.objectFiles = objectFiles;
        this.settings = settings;
        this.background = background;
        this.recompiles = new TotalBudget(settings.recompiledBytesPerMinute(), Long.MAX_VALUE, Duration.ofMinutes(1), System::nanoTime);
    }

    /** Objects compiled so far. */
    public long compiled() {
        return compiled.get();
    }

    /** Objects refused (malformed or over budget), remembered by file identity, counted by {@code parser/limit}. */
    public ParseRejections rejections() {
        return rejections;
    }

    /** Changes whenever a table leaves the cache: whoever kept one from {@link #forMapping} must forget it then. */
    public long generation() {
        return generation;
    }

    /** Estimated heap bytes of the cached tables. */
    public synchronized long bytes() {
        return bytes;
    }

    /**
     * The unwind information of the object behind {@code mapping}; null when there is none
     * (anonymous memory, unreadable, rejected), {@link #PENDING} while it is compiled.
     */
    public ObjectUnwindInfo forMapping(ProcessSnapshot process, Mapping mapping) {
        if (isAnonymous(mapping)) {
            return null;
        }
        MappingKey mappingKey = new MappingKey(process.pid(), mapping.start(), mapping.limit(), mapping.inode());
        synchronized (this) {
            String key = keysByMapping.get(mappingKey);
            if (key == LOADING) {
                return PENDING;
            }
            if (key != null) {
                ObjectUnwindInfo info = key.isEmpty() ? null : objects.get(key);
                if (key.isEmpty() || info != null) {
                    return info;
                }
            }
        }
        // Headers are read here; a call-frame section too large to compile at once goes to the background thread.
        ObjectUnwindInfo info = loadNow(mappingKey, process, mapping, background ? SYNCHRONOUS_SECTION_BYTES : Long.MAX_VALUE);
        if (info != DEFERRED) {
            return info;
        }
        synchronized (this) {
            if (!queue.offer(new Load(mappingKey, process, mapping))) {
                keysByMapping.remove(mappingKey);
                return PENDING; // a burst of new objects: asked again by a later sample
            }
            keysByMapping.put(mappingKey, LOADING);
            trim(keysByMapping, MAX_MAPPINGS);
            startCompilerThread();
            return PENDING;
        }
    }

    private ObjectUnwindInfo loadNow(MappingKey mappingKey, ProcessSnapshot process, Mapping mapping, long maxSectionBytes) {
        String key = load(process, mapping, maxSectionBytes);
        if (key == DEFER) {
            return DEFERRED;
        }
        if (key == LATER) {
            synchronized (this) {
                keysByMapping.remove(mappingKey);
            }
            return null;
        }
        synchronized (this) {
            keysByMapping.put(mappingKey, key);
            trim(keysByMapping, MAX_MAPPINGS);
            return key.isEmpty() ? null : objects.get(key);
        }
    }

    private void startCompilerThread() {
        if (compilerThread == null) {
            compilerThread = Thread.ofPlatform().daemon().name("scorch-unwind-compiler").start(() -> {
                while (true) {
                    Load load;
                    try {
                        load = queue.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    loadNow(load.key(), load.process(), load.mapping(), Long.MAX_VALUE);
                }
            });
        }
    }

    private static boolean isAnonymous(Mapping mapping) {
        String path = mapping.path() == null ? "" : mapping.path();
        return mapping.inode() == 0 || path.isEmpty() || path.startsWith("[") || path.startsWith("//anon") || path.startsWith("/memfd:");
    }

    /** Compiles the mapped object unless it is known; the cache key, or {@link #NO_INFO}. */
    private String load(ProcessSnapshot process, Mapping mapping, long maxSectionBytes) {
        MappedObjects.MappedObject object = objectFiles.open(process, mapping).object();
        if (object == null) {
            return NO_INFO;
        }
        String identity = object.identity();
        if (rejections.of(identity) != null) {
            return NO_INFO;
        }
        synchronized (this) {
            String known = keysByIdentity.get(identity);
            if (known != null && objects.containsKey(known)) {
                return known;
            }
        }
        try {
            if (object.failure() != null) {
                throw object.failure();
            }
            String key = object.key();
            boolean cached;
            boolean again;
            synchronized (this) {
                cached = objects.containsKey(key);
                again = evicted.containsKey(key);
            }
            if (!cached) {
                ElfFile elf = object.elf().withBudget(again ? ParseBudget.of(settings.limits(), recompiles) : ParseBudget.of(settings.limits()));
                if (UnwindInfoReader.callFrameBytes(elf) > maxSectionBytes) {
                    return DEFER;
                }
                put(key, UnwindInfoReader.read(elf));
                compiled.incrementAndGet();
            }
            synchronized (this) {
                keysByIdentity.put(identity, key);
                trim(keysByIdentity, MAX_MAPPINGS);
            }
            return key;
        } catch (OverBudgetException e) {
            LOG.log(Level.DEBUG, () -> "no unwind information from " + mapping.path() + " of pid " + process.pid() + ": " + e.getMessage());
            if (e.deferred()) {
                return LATER;
            }
            rejections.reject(identity, e);
            return NO_INFO;
        } catch (ElfFormatException | CfiFormatException e) {
            LOG.log(Level.DEBUG, () -> "no unwind information from " + mapping.path() + " of pid " + process.pid() + ": " + e.getMessage());
            rejections.reject(identity, new ParseRejections.Rejection(e instanceof CfiFormatException ? "cfi" : "elf", "malformed"));
            return NO_INFO;
        } catch (IOException e) {
            return NO_INFO;
        } catch (Throwable e) {
            // A parser bug must cost this object's frames, never the sampler thread.
            LOG.log(Level.DEBUG, () -> "reading unwind information of " + mapping.path() + " failed: " + e);
            rejections.reject(identity, new ParseRejections.Rejection("cfi", "error"));
            return NO_INFO;
        }
    }


    private synchronized void put(String key, ObjectUnwindInfo info) {
        objects.put(key, info);
        bytes += info.estimatedBytes();
        Iterator<Map.Entry<String, ObjectUnwindInfo>> eldest = objects.entrySet().iterator();
        // Keep at least the newest entry even when it alone exceeds the bound: it is in use now.
        while (bytes > settings.maxBytes() && objects.size() > 1 && eldest.hasNext()) {
            Map.Entry<String, ObjectUnwindInfo> entry = eldest.next();
            bytes -= entry.getValue().estimatedBytes();
            evicted.put(entry.getKey(), Boolean.TRUE);
            eldest.remove();
            generation++;
        }
        trim(evicted, MAX_EVICTED);
    }

    private static void trim(LinkedHashMap<?, ?> map, int maxEntries) {
        Iterator<?> eldest = map.keySet().iterator();
        while (map.size() > maxEntries && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
