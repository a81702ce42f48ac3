package dev.scorch.collector.profile;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessLookup;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import dev.scorch.collector.profile.CpuProfile.SampleLabel;
import dev.scorch.collector.symbol.MappingSymbols;
import dev.scorch.collector.symbol.MissReason;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolization;
import dev.scorch.collector.symbol.SymbolizedFrame;
import dev.scorch.collector.symbol.Symbolizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Raw stacks resolved into symbolized locations, each distinct stack, mapping, address and
 * function resolved once however many profiles built in this round contain it. The node's policies
 * end their intervals together, so with overlapping policies the process table and the symbolizer
 * are asked once per distinct stack and address per interval, not once per policy; each policy's
 * profile then only numbers the shared locations its own stacks reach ({@link CpuProfileBuilder}).
 *
 * <p>A round lives for one interval end and is then dropped whole: symbols may change between
 * intervals (JIT code moves, a process execs), and nothing resolved is held on the heap between
 * them. It is bounded: past {@code maxBytes} (estimated), it starts afresh before the next profile,
 * and a profile that takes it past the bound by itself (one interval of a burst, every host stack
 * in it) ends a part there, which is encoded and offered before the round starts afresh for the
 * rest ({@link CpuProfileBuilder}); so a host with far more distinct stacks than usual costs
 * symbolizing again and more, smaller profiles, not memory. Not thread-safe: one thread builds a
 * round's profiles.
 */
public final class SymbolizedStacks {

    /**
     * One pprof mapping as the node knows it; a profile states its own range for the kernel one
     * (the addresses it holds) and whether all of its own locations in it resolved.
     */
    static final class SharedMapping {
        /** Position among the round's mappings, so a profile numbers them through an array. */
        final int index;
        final MappingSymbols symbols;
        final String file;
        final long start;
        final long limit;
        final long fileOffset;
        final boolean kernel;

        SharedMapping(int index, MappingSymbols symbols, String file, long start, long limit, long fileOffset, boolean kernel) {
            this.index = index;
            this.symbols = symbols;
            this.file = file;
            this.start = start;
            this.limit = limit;
            this.fileOffset = fileOffset;
            this.kernel = kernel;
        }
    }

    /** A function frame's identity in pprof: name, system name and file. */
    private record FunctionKey(String name, String systemName, String file) {}

    /** A function, and its position among the round's functions. */
    record SharedFunction(int index, String name, String systemName, String file) {}

    /**
     * One code address in its mapping (null: in no known mapping), symbolized: its functions
     * innermost first and their lines; {@code index} is its position among the round's locations.
     */
    record SharedLocation(int index, SharedMapping mapping, long address, SharedFunction[] functions, long[] lines, boolean resolved) {}

    /** One raw stack resolved: its position in the round, its locations leaf first, and its per-sample labels. */
    record SharedStack(int index, SharedLocation[] locations, List<SampleLabel> labels) {}

    /**
     * What a profile holds apart from its labels: its stacks with their counts (by position in the
     * round, in order), interval and period. Policies selecting the same container see the same.
     */
    record Content(long[] stacksAndCounts, Instant start, Duration duration, long periodNanos, int hash) {
        Content(long[] stacksAndCounts, Instant start, Duration duration, long periodNanos) {
            this(stacksAndCounts, start, duration, periodNanos,
                    31 * (31 * Arrays.hashCode(stacksAndCounts) + start.hashCode()) + duration.hashCode() + Long.hashCode(periodNanos));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Content content && content.hash == hash && content.periodNanos == periodNanos
                    && content.start.equals(start) && content.duration.equals(duration)
                    && Arrays.equals(content.stacksAndCounts, stacksAndCounts);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A built profile's tables, which every profile of the same content in this round shares (and so its encodings). */
    record Tables(List<ProfileMapping> mappings, List<ProfileLocation> locations, List<ProfileFunction> functions,
            List<ProfileSample> samples) {}

    /** A stack by content: the store hands every policy the same frame arrays, so equal stacks mostly compare by identity. */
    private record StackKey(int pid, long[] kernelIps, long[] userIps, int hash) {
        StackKey(AggregatedStack stack) {
            this(stack.pid(), stack.kernelIps(), stack.userIps(),
                    31 * (31 * stack.pid() + Arrays.hashCode(stack.kernelIps())) + Arrays.hashCode(stack.userIps()));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof StackKey key && key.hash == hash && key.pid == pid && Arrays.equals(key.kernelIps, kernelIps)
                    && Arrays.equals(key.userIps, userIps);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** Anonymous memory is per process (its perf map names it); file mappings are shared. */
    private record MappingKey(int pid, Mapping mapping) {}

    /** A location: its mapping (null: none known, with the reason's symbols), address, and whether it is a return address. */
    private record LocationKey(Object mapping, long address, boolean returnAddress) {}

    private static final SharedStack EMPTY = new SharedStack(-1, new SharedLocation[0], List.of());

    private final Symbolizer symbolizer;
    private final ResolutionDeadline deadline;
    /** The round's requests for perf maps (JVMs write theirs on request), waited for once in all. */
    private final PerfMapWriter.Round perfMaps;
    private final ProcessLookup processes;
    private final boolean processLabels;
    private final long maxBytes;
    private long bytes;
    private final Map<StackKey, SharedStack> stacks = new HashMap<>();
    private final Map<Integer, Optional<ProcessSnapshot>> processCache = new HashMap<>();
    private final Map<MappingKey, SharedMapping> mappings = new HashMap<>();
    private final Map<LocationKey, SharedLocation> locations = new HashMap<>();
    private final Map<FunctionKey, SharedFunction> functions = new HashMap<>();
    private final Map<Content, Tables> built = new HashMap<>();
    private SharedEncodings encodings = new SharedEncodings();
    private SharedMapping kernel;
    private MappingSymbols unknownProcess;
    private MappingSymbols noMapping;
    private MappingSymbols mapsOverBudget;

    /**
     * @param pids the processes whose stacks the round resolves, as far as they are known at its
     *     start: the perf maps due to them are asked for now, side by side, so a runtime reached
     *     after a slow one has had the round's whole wait to answer; one left out is asked when the
     *     round reaches it
     * @param deadline past it, a stack the round has not resolved yet is left out, counted
     */
    SymbolizedStacks(Symbolizer symbolizer, ProcessLookup processes, boolean processLabels, long maxBytes, Collection<Integer> pids,
            ResolutionDeadline deadline) {
        this.symbolizer = symbolizer;
        this.deadline = deadline;
        this.processes = processes;
        this.processLabels = processLabels;
        this.maxBytes = maxBytes;
        List<ProcessSnapshot> known = new ArrayList<>(pids.size());
        for (int pid : pids) {
            processCache.computeIfAbsent(pid, processes::process).ifPresent(known::add);
        }
        this.perfMaps = symbolizer.beginRound(known);
    }

    /** Called before each profile: a round past its bound forgets what it resolved. */
    void beforeProfile() {
        if (full()) {
            startAfresh();
        }
    }

    /** Whether the round holds more than its bound: a profile being built ends its part here. */
    boolean full() {
        return bytes + encodings.estimatedBytes() > maxBytes;
    }

    /**
     * Forgets what the round resolved and encoded. Positions restart, so only between profiles or
     * between the parts of one, never while a part's stacks are being numbered.
     */
    void startAfresh() {
        encodings = new SharedEncodings();
        stacks.clear();
        processCache.clear();
        mappings.clear();
        locations.clear();
        functions.clear();
        built.clear();
        kernel = null;
        bytes = 0;
    }

    /** Estimated heap bytes of what the round holds. */
    long estimatedBytes() {
        return bytes;
    }

    /** Distinct stacks resolved in this round. */
    public int size() {
        return stacks.size();
    }

    int mappingCount() {
        return mappings.size() + (kernel == null ? 0 : 1);
    }

    int locationCount() {
        return locations.size();
    }

    int functionCount() {
        return functions.size();
    }

    /** Encodings shared by this round's profiles of the same tables. */
    public SharedEncodings encodings() {
        return encodings;
    }

    /** The tables already built in this round for {@code content}, null for new content. */
    Tables built(Content content) {
        return built.get(content);
    }

    void built(Content content, Tables tables) {
        built.put(content, tables);
        bytes += 64 + 8L * content.stacksAndCounts().length + 64L * tables.samples().size() + 80L * tables.locations().size()
                + 48L * tables.functions().size();
    }

    /**
     * The stack's locations, leaf first: no location for a stack without frames; null for a stack
     * new to the round once the {@link ResolutionDeadline} has passed (counted there).
     */
    SharedStack resolve(AggregatedStack stack) {
        StackKey key = new StackKey(stack);
        SharedStack resolved = stacks.get(key);
        if (resolved == null) {
            if (deadline.passed()) {
                deadline.cut(stack);
                return null;
            }
            resolved = symbolize(stack);
            stacks.put(key, resolved);
            bytes += 112 + 4L * resolved.locations().length;
        }
        return resolved;
    }

    private SharedStack symbolize(AggregatedStack stack) {
        int kernelFrames = framesBeforeZero(stack.kernelIps());
        int userFrames = framesBeforeZero(stack.userIps());
        if (kernelFrames + userFrames == 0) {
            return EMPTY;
        }
        SharedLocation[] resolved = new SharedLocation[kernelFrames + userFrames];
        int at = 0;
        for (int i = 0; i < kernelFrames; i++) {
            resolved[at++] = kernelLocation(stack.kernelIps()[i], i > 0);
        }
        Optional<ProcessSnapshot> process = processCache.computeIfAbsent(stack.pid(), processes::process);
        for (int i = 0; i < userFrames; i++) {
            resolved[at++] = userLocation(process, stack.pid(), stack.userIps()[i], i > 0);
        }
        return new SharedStack(stacks.size(), resolved, sampleLabels(stack.pid(), process));
    }

    /**
     * Frames of a callchain (leaf first) before its first address 0, which ends it: a user
     * callchain of a process that has just started holds a 0 where the frame-pointer walk ran
     * off, what follows is not a caller, and a location at address 0 without mapping or line
     * makes Pyroscope drop the whole sample without an error.
     */
    private static int framesBeforeZero(long[] ips) {
        for (int i = 0; i < ips.length; i++) {
            if (ips[i] == 0) {
                return i;
            }
        }
        return ips.length;
    }

    private List<SampleLabel> sampleLabels(int pid, Optional<ProcessSnapshot> process) {
        if (!processLabels) {
            return List.of();
        }
        List<SampleLabel> labels = new ArrayList<>(2);
        labels.add(new SampleLabel("pid", null, pid));
        process.ifPresent(p -> labels.add(new SampleLabel("comm", p.command(), 0)));
        return List.copyOf(labels);
    }

    private SharedLocation kernelLocation(long address, boolean returnAddress) {
        if (kernel == null) {
            kernel = new SharedMapping(mappingCount(), symbolizer.kernel(), CpuProfileBuilder.KERNEL_MAPPING, 0, 0, 0, true);
        }
        return location(kernel, kernel.symbols, address, returnAddress);
    }

    private SharedLocation userLocation(Optional<ProcessSnapshot> process, int pid, long address, boolean returnAddress) {
        if (process.isEmpty()) {
            if (unknownProcess == null) {
                unknownProcess = symbolizer.unresolved(MissReason.UNKNOWN_PROCESS);
            }
            return location(null, unknownProcess, address, returnAddress);
        }
        Optional<Mapping> mapping = process.get().mappingAt(address);
        if (mapping.isEmpty() && process.get().mapsRefused()) {
            if (mapsOverBudget == null) {
                mapsOverBudget = symbolizer.unresolved(MissReason.OVER_BUDGET);
            }
            return location(null, mapsOverBudget, address, returnAddress);
        }
        if (mapping.isEmpty()) {
            if (noMapping == null) {
                noMapping = symbolizer.unresolved(MissReason.NO_MAPPING);
            }
            return location(null, noMapping, address, returnAddress);
        }
        Mapping m = mapping.get();
        MappingKey key = new MappingKey(m.inode() == 0 ? pid : 0, m);
        SharedMapping shared = mappings.get(key);
        if (shared == null) {
            shared = new SharedMapping(mappingCount(), symbolizer.forMapping(process.get(), m, perfMaps),
                    m.path() == null || m.path().isEmpty() ? "[anon]" : m.path(), m.start(), m.limit(), m.fileOffset(), false);
            mappings.put(key, shared);
        }
        return location(shared, shared.symbols, address, returnAddress);
    }

    /** A function new to the round; its names are strings of their own, made when its first address was symbolized. */
    private SharedFunction newFunction(FunctionKey key) {
        bytes += 112 + key.name().length() + (key.systemName() == key.name() ? 0 : 24 + key.systemName().length());
        return new SharedFunction(functions.size(), key.name(), key.systemName(), key.file());
    }

    private SharedLocation location(SharedMapping mapping, MappingSymbols symbols, long address, boolean returnAddress) {
        LocationKey key = new LocationKey(mapping == null ? symbols : mapping, address, returnAddress);
        SharedLocation existing = locations.get(key);
        if (existing != null) {
            return existing;
        }
        Symbolization symbolization = symbols.symbolize(address, returnAddress);
        List<SymbolizedFrame> frames = symbolization.frames();
        SharedFunction[] functionsOfFrames = new SharedFunction[frames.size()];
        long[] lines = new long[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            SymbolizedFrame frame = frames.get(i);
            functionsOfFrames[i] = functions.computeIfAbsent(new FunctionKey(frame.function(), frame.systemName(), frame.fileName()),
                    this::newFunction);
            lines[i] = frame.line();
        }
        SharedLocation location = new SharedLocation(locations.size(), mapping, address, functionsOfFrames, lines,
                symbolization.resolved());
        locations.put(key, location);
        bytes += 160 + 12L * frames.size();
        return location;
    }
}
