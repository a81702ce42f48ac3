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
import dev.scorch.collector.symbol.elf.GoPclntab;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * section (or none) are read at once.
 */
public final class UnwindInfoCache {

    private static final System.Logger LOG = System.getLogger(UnwindInfoCache.class.getName());
    private static final int EM_X86_64 = 62;
    private static final int PT_GNU_EH_FRAME = 0x6474e550;
    private static final int MAX_MAPPINGS = 16_384;
    /** Without section headers, {@code .eh_frame} is read up to this much (its terminator usually ends it sooner). */
    private static final long MAX_SCANNED_BYTES = 4L << 20;
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
                if (callFrameBytes(elf) > maxSectionBytes) {
                    return DEFER;
                }
                GoPclntab go = GoPclntab.find(elf);
                UnwindTable table = elf.machine() == EM_X86_64 ? compile(elf, elf.budget()) : null;
                put(key, new ObjectUnwindInfo(loadSegments(elf), table, go));
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

    /** The size of the call-frame section that would be compiled (without section headers: unknown, so large). */
    private static long callFrameBytes(ElfFile elf) {
        if (elf.sections().isEmpty()) {
            return MAX_SCANNED_BYTES;
        }
        long ehFrame = elf.section(".eh_frame").map(ElfFile.Section::size).orElse(0L);
        return ehFrame > 0 ? ehFrame : elf.section(".debug_frame").map(ElfFile.Section::size).orElse(0L);
    }

    private static UnwindTable compile(ElfFile elf, ParseBudget budget) throws IOException, ElfFormatException, CfiFormatException {
        Optional<ElfFile.Section> ehFrame = elf.section(".eh_frame").filter(s -> s.type() != ElfFile.SHT_NOBITS && s.size() > 0);
        UnwindTable table = null;
        if (ehFrame.isPresent()) {
            table = compileSection(elf, ehFrame.get().offset(), ehFrame.get().size(), ehFrame.get().address(), true, budget);
        } else if (elf.sections().isEmpty()) {
            table = compileFromEhFrameHeader(elf, budget);
        }
        if (table == null || table.rows() == 0) {
            Optional<ElfFile.Section> debugFrame = elf.section(".debug_frame").filter(s -> s.type() != ElfFile.SHT_NOBITS && s.size() > 0);
            if (debugFrame.isPresent()) {
                table = compileSection(elf, debugFrame.get().offset(), debugFrame.get().size(), debugFrame.get().address(), false, budget);
            }
        }
        return table;
    }

    private static UnwindTable compileSection(ElfFile elf, long offset, long size, long address, boolean ehFrame, ParseBudget budget)
            throws IOException, ElfFormatException, CfiFormatException {
        budget.read(size);
        budget.heap(size);
        elf.source().requireRange(offset, size, "call-frame section");
        return CfiCompiler.compile(elf.source().read(offset, (int) size), address, ehFrame, budget);
    }

    /**
     * Without section headers, {@code PT_GNU_EH_FRAME} locates {@code .eh_frame_hdr}, whose
     * second field points at {@code .eh_frame}; that section runs to its zero terminator, at most
     * to the end of the load segment holding it.
     */
    private static UnwindTable compileFromEhFrameHeader(ElfFile elf, ParseBudget budget) throws IOException, ElfFormatException, CfiFormatException {
        ElfFile.Segment header = null;
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() == PT_GNU_EH_FRAME) {
                header = segment;
            }
        }
        if (header == null || header.fileSize() < 8) {
            return null;
        }
        byte[] bytes = elf.source().read(header.offset(), (int) Math.min(header.fileSize(), 64));
        if (bytes[0] != 1) {
            throw new CfiFormatException(".eh_frame_hdr version " + bytes[0]);
        }
        DwarfCursor cursor = new DwarfCursor(bytes, header.virtualAddress());
        cursor.position(4);
        long ehFrameAddress = cursor.pointer(bytes[1] & 0xFF);
        for (ElfFile.Segment load : elf.segments()) {
            if (load.type() == ElfFile.PT_LOAD && Long.compareUnsigned(ehFrameAddress - load.virtualAddress(), load.fileSize()) < 0) {
                long offset = ehFrameAddress - load.virtualAddress() + load.offset();
                long size = Math.min(load.fileSize() - (ehFrameAddress - load.virtualAddress()), MAX_SCANNED_BYTES);
                return compileSection(elf, offset, size, ehFrameAddress, true, budget);
            }
        }
        return null;
    }

    private static List<ElfFile.Segment> loadSegments(ElfFile elf) {
        List<ElfFile.Segment> loads = new ArrayList<>();
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() == ElfFile.PT_LOAD) {
                loads.add(segment);
            }
        }
        return loads;
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
