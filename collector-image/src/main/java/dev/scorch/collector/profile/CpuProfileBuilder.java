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
import dev.scorch.collector.symbol.Symbolization;
import dev.scorch.collector.symbol.SymbolizedFrame;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.attribution.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns one interval's aggregated raw stacks of one target into a symbolized {@link CpuProfile}.
 * Each distinct (mapping, address) becomes one pprof location and is symbolized exactly once per
 * profile; each mapping's file is located once. Frames that cannot be named keep their mapping
 * (with file name and build id) and address, so a backend can symbolize them later. Kernel frames
 * share one {@code [kernel.kallsyms]} mapping.
 *
 * <p>Thread-safe: every {@link #build} works on its own state.
 */
public final class CpuProfileBuilder {

    /** The pprof mapping name of kernel frames (the name perf and Parca use). */
    public static final String KERNEL_MAPPING = "[kernel.kallsyms]";

    private final Symbolizer symbolizer;
    private final ProcessLookup processes;
    private final boolean processLabels;

    /**
     * @param symbolizer names addresses
     * @param processes the process table's view of pids and their mappings
     * @param processLabels whether samples carry {@code pid} (number) and {@code comm} labels; useful in
     *     a local recording ({@code go tool pprof -tagfocus}), off for backends, which would turn them
     *     into series
     */
    public CpuProfileBuilder(Symbolizer symbolizer, ProcessLookup processes, boolean processLabels) {
        this.symbolizer = symbolizer;
        this.processes = processes;
        this.processLabels = processLabels;
    }

    public CpuProfileBuilder(Symbolizer symbolizer, ProcessLookup processes) {
        this(symbolizer, processes, false);
    }

    /** Builds the profile of {@code target}; see {@link #build(SortedMap, Instant, Duration, int, Collection)}. */
    public CpuProfile build(Target target, Instant start, Duration duration, int frequencyHz, Collection<AggregatedStack> stacks) {
        return build(target.labels(), start, duration, frequencyHz, stacks);
    }

    /**
     * Builds the profile.
     *
     * @param labels the target's series labels; also written as pprof comments so a file on its own says what it is
     * @param start start of the interval
     * @param duration length of the interval
     * @param frequencyHz sampling frequency; the period is {@code 1e9 / frequencyHz} ns
     * @param stacks the interval's stacks of this target
     */
    public CpuProfile build(SortedMap<String, String> labels, Instant start, Duration duration, int frequencyHz,
            Collection<AggregatedStack> stacks) {
        if (frequencyHz <= 0) {
            throw new IllegalArgumentException("frequencyHz must be positive, was " + frequencyHz);
        }
        Build build = new Build();
        for (AggregatedStack stack : stacks) {
            build.add(stack);
        }
        List<String> comments = new ArrayList<>();
        labels.forEach((key, value) -> comments.add("label " + key + "=" + value));
        comments.add("sampling frequency " + frequencyHz + " Hz");
        return new CpuProfile(Collections.unmodifiableSortedMap(new TreeMap<>(labels)), start, duration, 1_000_000_000L / frequencyHz,
                build.mappings(), build.locations, build.functions, build.samples, comments);
    }

    /** Key of a location: its mapping slot, address, and whether it is a return address. */
    private record LocationKey(int mappingSlot, long address, boolean returnAddress) {}

    /** Anonymous memory is per process (its perf map names it); file mappings are shared. */
    private record MappingKey(int pid, Mapping mapping) {}

    private static final class MappingSlot {
        final MappingSymbols symbols;
        final String file;
        long start;
        long limit;
        final long fileOffset;
        boolean allResolved = true;

        MappingSlot(MappingSymbols symbols, String file, long start, long limit, long fileOffset) {
            this.symbols = symbols;
            this.file = file;
            this.start = start;
            this.limit = limit;
            this.fileOffset = fileOffset;
        }
    }

    private final class Build {
        private static final int NO_MAPPING = -1;

        final List<MappingSlot> slots = new ArrayList<>();
        final Map<MappingKey, Integer> slotIndex = new HashMap<>();
        final Map<Integer, Optional<ProcessSnapshot>> processCache = new HashMap<>();
        final Map<LocationKey, Long> locationIds = new HashMap<>();
        final Map<String, Long> functionIds = new HashMap<>();
        final List<ProfileLocation> locations = new ArrayList<>();
        final List<ProfileFunction> functions = new ArrayList<>();
        final List<ProfileSample> samples = new ArrayList<>();
        int kernelSlot = NO_MAPPING;
        MappingSymbols unknownProcess;
        MappingSymbols noMapping;
        MappingSymbols mapsOverBudget;

        void add(AggregatedStack stack) {
            int kernelFrames = framesBeforeZero(stack.kernelIps());
            int userFrames = framesBeforeZero(stack.userIps());
            if (stack.count() <= 0 || kernelFrames + userFrames == 0) {
                return;
            }
            long[] ids = new long[kernelFrames + userFrames];
            int at = 0;
            for (int i = 0; i < kernelFrames; i++) {
                ids[at++] = kernelLocation(stack.kernelIps()[i], i > 0);
            }
            Optional<ProcessSnapshot> process = processCache.computeIfAbsent(stack.pid(), processes::process);
            for (int i = 0; i < userFrames; i++) {
                ids[at++] = userLocation(process, stack.pid(), stack.userIps()[i], i > 0);
            }
            samples.add(new ProfileSample(ids, stack.count(), sampleLabels(stack.pid(), process)));
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
            return labels;
        }

        private long kernelLocation(long address, boolean returnAddress) {
            if (kernelSlot == NO_MAPPING) {
                kernelSlot = slots.size();
                slots.add(new MappingSlot(symbolizer.kernel(), KERNEL_MAPPING, address, address + 1, 0));
            }
            MappingSlot slot = slots.get(kernelSlot);
            if (Long.compareUnsigned(address, slot.start) < 0) {
                slot.start = address;
            }
            if (Long.compareUnsigned(address, slot.limit) >= 0) {
                slot.limit = address + 1;
            }
            return location(kernelSlot, slot.symbols, address, returnAddress);
        }

        private long userLocation(Optional<ProcessSnapshot> process, int pid, long address, boolean returnAddress) {
            if (process.isEmpty()) {
                if (unknownProcess == null) {
                    unknownProcess = symbolizer.unresolved(MissReason.UNKNOWN_PROCESS);
                }
                return location(NO_MAPPING, unknownProcess, address, returnAddress);
            }
            Optional<Mapping> mapping = process.get().mappingAt(address);
            if (mapping.isEmpty() && process.get().mapsRefused()) {
                if (mapsOverBudget == null) {
                    mapsOverBudget = symbolizer.unresolved(MissReason.OVER_BUDGET);
                }
                return location(NO_MAPPING, mapsOverBudget, address, returnAddress);
            }
            if (mapping.isEmpty()) {
                if (noMapping == null) {
                    noMapping = symbolizer.unresolved(MissReason.NO_MAPPING);
                }
                return location(NO_MAPPING, noMapping, address, returnAddress);
            }
            Mapping m = mapping.get();
            MappingKey key = new MappingKey(m.inode() == 0 ? pid : 0, m);
            Integer slot = slotIndex.get(key);
            if (slot == null) {
                slot = slots.size();
                String file = m.path() == null || m.path().isEmpty() ? "[anon]" : m.path();
                slots.add(new MappingSlot(symbolizer.forMapping(process.get(), m), file, m.start(), m.limit(), m.fileOffset()));
                slotIndex.put(key, slot);
            }
            return location(slot, slots.get(slot).symbols, address, returnAddress);
        }

        private long location(int slot, MappingSymbols symbols, long address, boolean returnAddress) {
            LocationKey key = new LocationKey(slot, address, returnAddress);
            Long existing = locationIds.get(key);
            if (existing != null) {
                return existing;
            }
            Symbolization symbolization = symbols.symbolize(address, returnAddress);
            if (!symbolization.resolved() && slot != NO_MAPPING) {
                slots.get(slot).allResolved = false;
            }
            List<SymbolizedFrame> frames = symbolization.frames();
            long[] functionIdsOfFrames = new long[frames.size()];
            long[] lines = new long[frames.size()];
            for (int i = 0; i < frames.size(); i++) {
                functionIdsOfFrames[i] = function(frames.get(i));
                lines[i] = frames.get(i).line();
            }
            locations.add(new ProfileLocation(slot == NO_MAPPING ? 0 : slot + 1, address, functionIdsOfFrames, lines));
            long id = locations.size();
            locationIds.put(key, id);
            return id;
        }

        private long function(SymbolizedFrame frame) {
            String key = frame.function() + '\0' + frame.systemName() + '\0' + frame.fileName();
            Long existing = functionIds.get(key);
            if (existing != null) {
                return existing;
            }
            functions.add(new ProfileFunction(frame.function(), frame.systemName(), frame.fileName()));
            long id = functions.size();
            functionIds.put(key, id);
            return id;
        }

        List<ProfileMapping> mappings() {
            List<ProfileMapping> mappings = new ArrayList<>(slots.size());
            for (MappingSlot slot : slots) {
                mappings.add(new ProfileMapping(slot.start, slot.limit, slot.fileOffset, slot.file, slot.symbols.buildId(), slot.allResolved));
            }
            return mappings;
        }
    }
}
