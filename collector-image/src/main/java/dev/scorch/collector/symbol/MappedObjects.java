package dev.scorch.collector.symbol;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.budget.TotalBudget;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way the collector reaches the object file behind a process's memory mapping, shared by
 * the symbolizer (names) and the unwinder (call-frame information): the file is opened inside the
 * process's root with {@link RegularFileOpener#openInRoot} (an absolute or {@code ..} symlink the
 * container planted cannot lead to a host file), or through {@code map_files} (the very inode
 * mapped), or for an exited process inside the host root; a path counts only while it holds the
 * mapped inode. Its ELF headers are parsed once, under the node-wide {@link TotalBudget}, and kept
 * for every reader: a mapping seen before costs no system call, a file seen before no parse.
 *
 * <p>An object's file stays open while anything can still read it (its headers here, or symbol
 * tables and Go tables built from it), and is closed once that is unreachable. Thread-safe.
 */
public final class MappedObjects {

    private static final String DELETED_SUFFIX = " (deleted)";
    private static final Cleaner FILES = Cleaner.create();
    /** Parsed headers kept; each keeps its file open. */
    private static final int MAX_OBJECTS = 256;
    private static final int MAX_MAPPINGS = 16_384;
    /** Node-wide parse work per minute: a few seconds of reading from the page cache at most. */
    private static final long TOTAL_READ_BYTES_PER_MINUTE = 8L << 30;
    private static final long TOTAL_STEPS_PER_MINUTE = 2L << 30;

    /**
     * An object file and what parsing its headers gave.
     *
     * @param identity device, inode, size and modification time of the file
     * @param elf its headers, null when they could not be read ({@code failure} says why)
     * @param failure null, or: {@link ElfFormatException} (malformed), {@link OverBudgetException}
     *     (too costly, or {@linkplain OverBudgetException#deferred() deferred}), {@link IOException}
     *     (unreadable), or the unexpected failure of a parser
     */
    public record MappedObject(String identity, ElfFile elf, Throwable failure) {

        /** The cache key of what is built from this object: its build id, or its identity when it has none. */
        public String key() {
            return elf != null && !elf.buildId().isEmpty() ? "build-id:" + elf.buildId() : "file:" + identity;
        }
    }

    /**
     * The outcome of {@link #open}.
     *
     * @param object the mapped object, null when no path reaches it
     * @param sawOtherFile whether a path held a regular file other than the mapped one (replaced since)
     */
    public record Lookup(MappedObject object, boolean sawOtherFile) {}

    private record MappingKey(int pid, long start, long limit, long inode) {}

    private final Path procRoot;
    private final Path hostRoot;
    private final TotalBudget totalBudget = new TotalBudget(TOTAL_READ_BYTES_PER_MINUTE, TOTAL_STEPS_PER_MINUTE, Duration.ofMinutes(1),
            System::nanoTime);
    private final LinkedHashMap<MappingKey, String> identities = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashMap<String, MappedObject> objects = new LinkedHashMap<>(64, 0.75f, true);
    private final AtomicLong parsed = new AtomicLong();

    /**
     * @param procRoot the proc file system, {@code /proc}
     * @param hostRoot the host's root as the collector sees it, {@code /}: for files of exited processes
     */
    public MappedObjects(Path procRoot, Path hostRoot) {
        this.procRoot = procRoot;
        this.hostRoot = hostRoot;
    }

    public static MappedObjects ofThisHost() {
        return new MappedObjects(Path.of("/proc"), Path.of("/"));
    }

    /** Object files whose headers were parsed so far. */
    public long parsed() {
        return parsed.get();
    }

    /** The node-wide bound on parse work, for the other files the readers parse (debug files, perf maps). */
    public TotalBudget totalBudget() {
        return totalBudget;
    }

    /** The budget of one reader's tables of one object (symbols, call-frame information). */
    public ParseBudget budget(ParseBudget.Limits limits) {
        return ParseBudget.of(limits, totalBudget);
    }

    /** The object file mapped by {@code mapping} of {@code process}, with its parsed headers. */
    public Lookup open(ProcessSnapshot process, Mapping mapping) {
        MappingKey mappingKey = new MappingKey(process.pid(), mapping.start(), mapping.limit(), mapping.inode());
        synchronized (this) {
            String identity = identities.get(mappingKey);
            MappedObject known = identity == null ? null : objects.get(identity);
            if (known != null) {
                return new Lookup(known, false);
            }
        }
        Located located = locate(process, mapping);
        if (located.file() == null) {
            return new Lookup(null, located.sawOtherFile());
        }
        RegularFileOpener.OpenedFile file = located.file();
        MappedObject object;
        synchronized (this) {
            object = objects.get(file.identity());
        }
        if (object != null) {
            closeQuietly(file.channel());
        } else {
            object = parse(file);
        }
        if (cacheable(object)) {
            synchronized (this) {
                objects.putIfAbsent(object.identity(), object);
                trim(objects, MAX_OBJECTS);
                identities.put(mappingKey, object.identity());
                trim(identities, MAX_MAPPINGS);
            }
        }
        return new Lookup(object, located.sawOtherFile());
    }

    /** A file that could not be read, or whose parse waits for the node-wide budget, is tried again. */
    private static boolean cacheable(MappedObject object) {
        Throwable failure = object.failure();
        return !(failure instanceof IOException) && !(failure instanceof OverBudgetException e && e.deferred());
    }

    private MappedObject parse(RegularFileOpener.OpenedFile file) {
        FileChannel channel = file.channel();
        parsed.incrementAndGet();
        try {
            ByteSource source = ByteSource.of(channel);
            FILES.register(source, () -> closeQuietly(channel));
            return new MappedObject(file.identity(), ElfFile.parse(source, ParseBudget.of(ElfFile.limits(), totalBudget)), null);
        } catch (IOException | ElfFormatException | RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // A parser bug (or a blow-up the budgets missed) costs this file, never the caller: remembered like a malformed file.
            closeQuietly(channel);
            return new MappedObject(file.identity(), null, e);
        }
    }

    /** The opened file, or null; and whether a path held a regular file other than the mapped one. */
    private record Located(RegularFileOpener.OpenedFile file, boolean sawOtherFile) {}

    /**
     * Inside the process's root (its mount namespace), then {@code map_files} (the very inode mapped,
     * even if deleted or replaced), then, for an exited process, inside the host root.
     */
    private Located locate(ProcessSnapshot process, Mapping mapping) {
        String path = mapping.path();
        String clean = path.endsWith(DELETED_SUFFIX) ? path.substring(0, path.length() - DELETED_SUFFIX.length()) : path;
        List<Candidate> candidates = new ArrayList<>(3);
        if (clean.startsWith("/")) {
            candidates.add(new Candidate(procRoot.resolve(process.pid() + "/root"), clean));
        }
        candidates.add(new Candidate(null, procRoot.resolve(process.pid() + "/map_files/" + Long.toHexString(mapping.start()) + "-"
                + Long.toHexString(mapping.limit())).toString()));
        if (process.exited() && clean.startsWith("/")) {
            candidates.add(new Candidate(hostRoot, clean));
        }
        boolean sawOtherFile = false;
        for (Candidate candidate : candidates) {
            RegularFileOpener.OpenedFile file = candidate.openOrNull();
            if (file == null) {
                continue;
            }
            if (mapping.inode() == 0 || file.inode() == mapping.inode()) {
                return new Located(file, sawOtherFile);
            }
            sawOtherFile = true;
            closeQuietly(file.channel());
        }
        return new Located(null, sawOtherFile);
    }

    /** {@code path} inside directory {@code root}, or with no root a path of the collector's own ({@code map_files}). */
    private record Candidate(Path root, String path) {

        RegularFileOpener.OpenedFile openOrNull() {
            try {
                return root == null ? RegularFileOpener.open(Path.of(path)) : RegularFileOpener.openInRoot(root, path);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing is lost
        }
    }

    private static void trim(LinkedHashMap<?, ?> map, int maxEntries) {
        Iterator<?> eldest = map.keySet().iterator();
        while (map.size() > maxEntries && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
