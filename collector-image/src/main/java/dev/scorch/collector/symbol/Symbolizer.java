package dev.scorch.collector.symbol;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.budget.ParseRejections;
import dev.scorch.collector.budget.TotalBudget;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Names code addresses on the node: native code from the ELF symbol tables or the Go pc/line table
 * of the mapped file (opened inside the process's root by {@link MappedObjects}, whose parsed
 * headers the unwinder shares), kernel code from
 * {@code /proc/kallsyms}, JIT code from {@code perf-<nspid>.map}, and the vdso from the
 * collector's own copy. Parsed objects are cached by build id under a memory bound. Parsing one
 * file is bounded by its {@link ParseBudget} (and all parsing by a node-wide {@link TotalBudget}):
 * a file that is malformed, over budget or makes a parser fail is remembered by identity for the
 * life of the process ({@link #rejections()}), so it costs one bounded attempt; a file without
 * symbols is retried after a while (a debug file may be installed).
 *
 * <p>A {@code Symbolizer} is long-lived and thread-safe. Every address it is asked about is counted
 * in {@link #metrics()}, resolved or missed by reason.
 */
public final class Symbolizer {

    private static final System.Logger LOG = System.getLogger(Symbolizer.class.getName());

    /**
     * Where the symbolizer looks and how much it keeps.
     *
     * @param procRoot the proc file system, {@code /proc} (a test may point elsewhere)
     * @param hostRoot the host's root as the collector sees it, {@code /}: for files of exited processes
     * @param kallsyms kernel symbols, {@code /proc/kallsyms}
     * @param kernelNotes the kernel's ELF notes (build id), {@code /sys/kernel/notes}
     * @param cacheBytes bound on the estimated heap bytes of cached symbol tables
     * @param negativeTtl how long a file that could not be symbolized is not retried
     * @param kernelRefresh how often kallsyms is re-read (modules come and go)
     */
    public record Settings(Path procRoot, Path hostRoot, Path kallsyms, Path kernelNotes, long cacheBytes, Duration negativeTtl,
            Duration kernelRefresh) {

        /**
         * The cache gets 8 MiB. It shares the heap with the kernel's table (about 1.4 MiB for
         * 120,000 symbols), the unwinder's cache and every policy's intervals: 48 MiB in the
         * collector's 64 MiB heap ran it out of memory on a host with many distinct binaries; a
         * fixed size (once an eighth of the heap) keeps the heap's size from changing what is
         * cached (bench/soak.sh, docs/benchmarks.md).
         */
        public static Settings defaults() {
            return new Settings(Path.of("/proc"), Path.of("/"), Path.of("/proc/kallsyms"), Path.of("/sys/kernel/notes"),
                    8L << 20, Duration.ofMinutes(5), Duration.ofMinutes(10));
        }

        public Settings withHostRoot(Path path) {
            return new Settings(procRoot, path, kallsyms, kernelNotes, cacheBytes, negativeTtl, kernelRefresh);
        }

        public Settings withKallsyms(Path path) {
            return new Settings(procRoot, hostRoot, path, kernelNotes, cacheBytes, negativeTtl, kernelRefresh);
        }
    }

    private final Settings settings;
    private final PerfMapWriter perfMapWriter;
    private final SymbolizationMetrics metrics = new SymbolizationMetrics();
    private final ObjectSymbolCache cache;
    private final ParseRejections rejections = new ParseRejections();
    private final MappedObjects objectFiles;
    private final TotalBudget totalBudget;
    private final Object kernelLock = new Object();
    private KernelSymbols kernel;
    private long kernelLoadedAtNanos;
    private volatile ObjectSymbols vdso;
    private volatile boolean vdsoTried;

    public Symbolizer(Settings settings) {
        this(settings, PerfMapWriter.NONE);
    }

    /** @param perfMapWriter asked to refresh a process's perf map before it is read (JVMs write theirs on request) */
    public Symbolizer(Settings settings, PerfMapWriter perfMapWriter) {
        this(settings, perfMapWriter, new MappedObjects(settings.procRoot(), settings.hostRoot()));
    }

    /** @param objectFiles opens mapped object files and parses their headers, shared with the unwinder */
    public Symbolizer(Settings settings, PerfMapWriter perfMapWriter, MappedObjects objectFiles) {
        this.settings = settings;
        this.perfMapWriter = perfMapWriter;
        this.objectFiles = objectFiles;
        this.totalBudget = objectFiles.totalBudget();
        this.cache = new ObjectSymbolCache(settings.cacheBytes(), settings.negativeTtl(), System::nanoTime);
    }

    public Symbolizer() {
        this(Settings.defaults());
    }

    /**
     * A round of resolving the stacks of {@code processes} starts: the runtimes among them are asked
     * for their perf maps now, side by side, and waited for once, in all, as the round reaches them.
     */
    public PerfMapWriter.Round beginRound(Collection<? extends ProcessSnapshot> processes) {
        return perfMapWriter.beginRound(processes);
    }

    public SymbolizationMetrics metrics() {
        return metrics;
    }

    /** Files refused by a parser (remembered by identity) and the refusal counts by parser and limit. */
    public ParseRejections rejections() {
        return rejections;
    }

    /** Estimated heap bytes of the cached symbol tables. */
    public long cachedBytes() {
        return cache.bytes();
    }

    /** Symbols for frames that cannot even be placed in a mapping (unknown pid, unmapped address); counts each. */
    public MappingSymbols unresolved(MissReason reason) {
        return counting(MappingSymbols.unresolved("", reason));
    }

    /** The kernel's symbols, re-read from kallsyms when older than the refresh period. */
    public MappingSymbols kernel() {
        KernelSymbols current;
        synchronized (kernelLock) {
            long now = System.nanoTime();
            if (kernel == null || now - kernelLoadedAtNanos > settings.kernelRefresh().toNanos()) {
                // The old table goes before the new one is read, not after: both at once were 3.7 MiB more of the heap.
                kernel = null;
                kernel = KernelSymbols.load(settings.kallsyms(), settings.kernelNotes());
                kernelLoadedAtNanos = now;
                if (kernel.unavailable() != null) {
                    LOG.log(Level.WARNING, "kernel frames stay unnamed: " + settings.kallsyms() + " gives " + kernel.unavailable().label()
                            + (kernel.unavailable() == MissReason.KERNEL_ADDRESSES_HIDDEN ? " (grant CAP_SYSLOG or lower kernel.kptr_restrict)" : ""));
                }
            }
            current = kernel;
        }
        return counting(new MappingSymbols() {
            @Override
            public String buildId() {
                return current.buildId();
            }

            @Override
            public Symbolization symbolize(long address, boolean returnAddress) {
                return current.symbolize(address, returnAddress);
            }
        });
    }

    /**
     * The symbols of {@code mapping} in {@code process}; never throws, a failure yields an unresolved mapping.
     *
     * @param round the symbolization round the lookup belongs to ({@link #beginRound}), or
     *     {@link PerfMapWriter.Round#NONE} to read the perf maps at hand without asking for fresh ones
     */
    public MappingSymbols forMapping(ProcessSnapshot process, Mapping mapping, PerfMapWriter.Round round) {
        return counting(locate(process, mapping, round));
    }

    private MappingSymbols locate(ProcessSnapshot process, Mapping mapping, PerfMapWriter.Round round) {
        String path = mapping.path() == null ? "" : mapping.path();
        if (path.equals("[vdso]")) {
            ObjectSymbols image = vdso();
            return image == null ? MappingSymbols.unresolved("", MissReason.PSEUDO_MAPPING) : bound(image, mapping);
        }
        if (isAnonymous(mapping, path)) {
            return perfMap(process, mapping, round);
        }
        return objectFile(process, mapping, path);
    }

    private static boolean isAnonymous(Mapping mapping, String path) {
        return mapping.inode() == 0 || path.isEmpty() || path.startsWith("[") || path.startsWith("//anon") || path.startsWith("/memfd:");
    }

    private MappingSymbols objectFile(ProcessSnapshot process, Mapping mapping, String path) {
        MappedObjects.Lookup lookup = objectFiles.open(process, mapping);
        MappedObjects.MappedObject object = lookup.object();
        if (object == null) {
            return MappingSymbols.unresolved("", lookup.sawOtherFile() ? MissReason.FILE_REPLACED : MissReason.FILE_UNREACHABLE);
        }
        ParseRejections.Rejection rejected = rejections.of(object.identity());
        if (rejected != null) {
            return MappingSymbols.unresolved("", missOf(rejected));
        }
        MissReason known = cache.negative(object.identity());
        ObjectSymbols cached = known == null ? cache.byIdentity(object.identity()) : null;
        if (known != null || cached != null) {
            return known != null ? MappingSymbols.unresolved("", known) : bound(cached, mapping);
        }
        Parsed parsed = parse(object, process, path);
        return parsed.symbols() != null ? bound(parsed.symbols(), mapping) : MappingSymbols.unresolved("", parsed.miss());
    }

    private static MissReason missOf(ParseRejections.Rejection rejection) {
        return rejection.limit().equals(MALFORMED) || rejection.limit().equals(FAILED) ? MissReason.MALFORMED_OBJECT : MissReason.OVER_BUDGET;
    }

    /** Symbols of a file, or why there are none. */
    private record Parsed(ObjectSymbols symbols, MissReason miss) {}

    /** Reads and caches the object's symbols, or caches why there are none. */
    private Parsed parse(MappedObjects.MappedObject object, ProcessSnapshot process, String path) {
        String identity = object.identity();
        try {
            if (object.failure() != null) {
                throw object.failure();
            }
            String key = object.key();
            ObjectSymbols symbols = cache.get(key);
            if (symbols == null) {
                ElfFile elf = object.elf().withBudget(objectFiles.budget(ElfFile.limits()));
                symbols = elf.section(".symtab").isPresent() ? ObjectSymbols.read(elf) : withDebugFile(elf, process);
                if (symbols.functionCount() == 0) {
                    cache.putNegative(identity, MissReason.NO_SYMBOL_TABLE);
                    return new Parsed(null, MissReason.NO_SYMBOL_TABLE);
                }
            }
            cache.put(identity, key, symbols);
            return new Parsed(symbols, null);
        } catch (OverBudgetException e) {
            rejections.reject(identity, e);
            if (e.deferred()) {
                return new Parsed(null, MissReason.PARSE_DEFERRED);
            }
            LOG.log(Level.INFO, () -> "not symbolizing " + path + " (pid " + process.pid() + ", file " + identity + "): " + e.getMessage());
            return new Parsed(null, MissReason.OVER_BUDGET);
        } catch (ElfFormatException e) {
            rejections.reject(identity, new ParseRejections.Rejection("elf", MALFORMED));
            return new Parsed(null, MissReason.MALFORMED_OBJECT);
        } catch (IOException e) {
            return new Parsed(null, MissReason.FILE_UNREACHABLE);
        } catch (Throwable e) {
            // A parser bug (or a blow-up the budgets missed) costs this file's frames, never sampling or export: remembered like a
            // malformed file, so it is not retried. The fuzz tests hunt for these.
            rejections.reject(identity, new ParseRejections.Rejection("elf", FAILED));
            LOG.log(Level.WARNING, "symbolizing " + path + " of pid " + process.pid() + " failed unexpectedly; the file is not retried", e);
            return new Parsed(null, MissReason.MALFORMED_OBJECT);
        }
    }

    /** Rejection limits for files refused as malformed, or after a parser failed unexpectedly. */
    private static final String MALFORMED = "malformed";
    private static final String FAILED = "failed";

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // read-only: nothing is lost
        }
    }

    /**
     * Symbols of a stripped object, completed from its separate debug file when one is installed
     * under {@code /usr/lib/debug/.build-id/<xx>/<rest>.debug}: in the process's root first, then
     * on the host. A debug file that is missing, hostile or of another build only costs the extra
     * names. The result owns the debug file it reads.
     */
    private ObjectSymbols withDebugFile(ElfFile elf, ProcessSnapshot process) throws IOException, ElfFormatException {
        String id = elf.buildId();
        if (id.length() > 2) {
            String relative = "usr/lib/debug/.build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug";
            for (Location candidate : List.of(inRootOf(process, relative), new Location(settings.hostRoot(), relative))) {
                RegularFileOpener.OpenedFile debug = candidate.openOrNull();
                if (debug == null) {
                    continue;
                }
                FileChannel debugChannel = debug.channel();
                boolean handedOver = false;
                if (rejections.of(debug.identity()) != null) {
                    closeQuietly(debugChannel);
                    continue;
                }
                try {
                    ElfFile debugElf = ElfFile.parse(ByteSource.of(debugChannel), ParseBudget.of(ElfFile.limits(), totalBudget));
                    if (id.equals(debugElf.buildId())) {
                        ObjectSymbols symbols = ObjectSymbols.read(elf, debugElf, debugChannel);
                        handedOver = true;
                        return symbols;
                    }
                } catch (OverBudgetException e) {
                    if (e.deferred()) {
                        throw e;
                    }
                    rejections.reject(debug.identity(), e);
                    LOG.log(Level.DEBUG, "ignoring debug file " + candidate + ": " + e.getMessage());
                } catch (ElfFormatException e) {
                    rejections.reject(debug.identity(), new ParseRejections.Rejection("elf", MALFORMED));
                    LOG.log(Level.DEBUG, "ignoring malformed debug file " + candidate + ": " + e.getMessage());
                } finally {
                    if (!handedOver) {
                        closeQuietly(debugChannel);
                    }
                }
            }
        }
        return ObjectSymbols.read(elf);
    }

    /**
     * A file a process names: {@code path} resolved inside directory {@code root} (the process's
     * root: its symlinks cannot lead out of it), or, with no root, {@code path} as the collector sees it.
     */
    private record Location(Path root, String path) {

        /** The regular file there; null when it is missing, unreadable, outside the root or not a regular file. */
        RegularFileOpener.OpenedFile openOrNull() {
            try {
                return root == null ? RegularFileOpener.open(Path.of(path)) : RegularFileOpener.openInRoot(root, path);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return root == null ? path : root + " + " + path;
        }
    }

    private Location inRootOf(ProcessSnapshot process, String path) {
        return new Location(settings.procRoot().resolve(process.pid() + "/root"), path);
    }

    private MappingSymbols perfMap(ProcessSnapshot process, Mapping mapping, PerfMapWriter.Round round) {
        round.refresh(process);
        RegularFileOpener.OpenedFile file = inRootOf(process, "/tmp/perf-" + process.namespacePid() + ".map").openOrNull();
        if (file == null) {
            return MappingSymbols.unresolved("", MissReason.ANONYMOUS_MEMORY);
        }
        if (rejections.of(file.identity()) != null) {
            closeQuietly(file.channel());
            return MappingSymbols.unresolved("", MissReason.OVER_BUDGET);
        }
        // Perf maps grow while the JIT runs: the identity (size, mtime) is part of the key.
        String key = "perf-map:" + process.pid() + ":" + file.identity();
        FileChannel channel = file.channel();
        boolean handedOver = false;
        try {
            ObjectSymbols symbols = cache.get(key);
            if (symbols == null) {
                ParseBudget budget = ParseBudget.of(PerfMapParser.limits(), totalBudget);
                symbols = ObjectSymbols.absolute(PerfMapParser.parse(ByteSource.of(channel), PerfMapParser.MAX_FILE_BYTES, budget), channel);
                handedOver = true;
                cache.put(file.identity(), key, symbols);
            }
            return bound(symbols, mapping);
        } catch (OverBudgetException e) {
            rejections.reject(file.identity(), e);
            return MappingSymbols.unresolved("", e.deferred() ? MissReason.PARSE_DEFERRED : MissReason.OVER_BUDGET);
        } catch (IOException e) {
            return MappingSymbols.unresolved("", MissReason.ANONYMOUS_MEMORY);
        } finally {
            if (!handedOver) {
                closeQuietly(channel);
            }
        }
    }

    private ObjectSymbols vdso() {
        if (!vdsoTried) {
            synchronized (this) {
                if (!vdsoTried) {
                    vdso = VdsoImage.read(settings.procRoot());
                    vdsoTried = true;
                }
            }
        }
        return vdso;
    }

    private static MappingSymbols bound(ObjectSymbols symbols, Mapping mapping) {
        return new MappingSymbols() {
            @Override
            public String buildId() {
                return symbols.buildId();
            }

            @Override
            public Symbolization symbolize(long address, boolean returnAddress) {
                return symbols.symbolize(mapping, address, returnAddress);
            }
        };
    }

    private MappingSymbols counting(MappingSymbols inner) {
        return new MappingSymbols() {
            @Override
            public String buildId() {
                return inner.buildId();
            }

            @Override
            public Symbolization symbolize(long address, boolean returnAddress) {
                Symbolization result;
                try {
                    result = inner.symbolize(address, returnAddress);
                } catch (RuntimeException e) {
                    // a lookup bug costs this frame's name, never the profile
                    LOG.log(Level.WARNING, "symbol lookup failed unexpectedly", e);
                    result = Symbolization.missed(MissReason.MALFORMED_OBJECT);
                }
                return metrics.record(result);
            }
        };
    }
}
