package dev.scorch.collector.profile;

import dev.scorch.collector.process.ProcessLookup;
import dev.scorch.collector.profile.SymbolizedStacks.SharedStack;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.attribution.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Turns one interval's aggregated raw stacks of one target into a symbolized {@link CpuProfile}.
 * Each distinct (mapping, address) becomes one pprof location and is symbolized exactly once per
 * round of {@link SymbolizedStacks}, which the profiles of every policy ending its interval at the
 * same moment share; each mapping's file is located once. Frames that cannot be named keep their
 * mapping (with file name and build id) and address, so a backend can symbolize them later. Kernel
 * frames share one {@code [kernel.kallsyms]} mapping.
 *
 * <p>Thread-safe: every {@link #build} works on its own state, and a round is used by one thread.
 */
public final class CpuProfileBuilder {

    /** The pprof mapping name of kernel frames (the name perf and Parca use). */
    public static final String KERNEL_MAPPING = "[kernel.kallsyms]";

    private final Symbolizer symbolizer;
    private final ProcessLookup processes;
    private final boolean processLabels;
    private final ResolutionDeadline deadline = new ResolutionDeadline();

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

    /** The moment past which this builder's rounds resolve no new stack (the collector stops), and what they left out. */
    public ResolutionDeadline deadline() {
        return deadline;
    }

    /**
     * A new round: the profiles built with it resolve each distinct stack and address once between
     * them. It holds about a sixteenth of the heap at most, a profile past that ending a part. The
     * perf maps of {@code pids} (the processes of the stacks it will resolve) are asked for at its start.
     */
    public SymbolizedStacks round(Collection<Integer> pids) {
        return new SymbolizedStacks(symbolizer, processes, processLabels, Runtime.getRuntime().maxMemory() / 16, pids, deadline);
    }

    /** A new round whose processes are not known at its start: each is asked for its perf map when the round reaches it. */
    public SymbolizedStacks round() {
        return round(List.of());
    }

    /** Builds the profile of {@code target} whole, in a round of its own; see {@link #build(SortedMap, Instant, Duration, int, Collection)}. */
    public CpuProfile build(Target target, Instant start, Duration duration, int frequencyHz, Collection<AggregatedStack> stacks) {
        return build(target.labels(), start, duration, frequencyHz, stacks);
    }

    /**
     * Builds a profile whole, in a round of its own that is not bounded: a recording or a capture
     * is one profile, which its caller holds whole anyway.
     */
    public CpuProfile build(SortedMap<String, String> labels, Instant start, Duration duration, int frequencyHz,
            Collection<AggregatedStack> stacks) {
        List<CpuProfile> whole = new ArrayList<>(1);
        build(labels, start, duration, frequencyHz, stacks, new SymbolizedStacks(symbolizer, processes, processLabels, Long.MAX_VALUE,
                stacks.stream().map(AggregatedStack::pid).distinct().toList(), deadline),
                whole::add);
        return whole.getFirst();
    }

    /**
     * Builds the profile, in parts when it takes the round past its bound by itself: each part
     * holds the stacks resolved until then and is handed to {@code parts} (which encodes and
     * offers it) before the round starts afresh for the rest. Every part states the same labels,
     * interval and period, so a backend adds them up as one; their samples add up to the
     * profile's. A profile always makes one part, an empty one when no stack has a frame.
     *
     * @param labels the target's series labels; also written as pprof comments so a file on its own says what it is
     * @param start start of the interval
     * @param duration length of the interval
     * @param frequencyHz sampling frequency; the period is {@code 1e9 / frequencyHz} ns
     * @param stacks the interval's stacks of this target
     * @param round where the stacks are resolved, shared with the other profiles built at this interval's end
     * @param parts takes each part as it is built, in order
     */
    public void build(SortedMap<String, String> labels, Instant start, Duration duration, int frequencyHz,
            Collection<AggregatedStack> stacks, SymbolizedStacks round, Consumer<CpuProfile> parts) {
        if (frequencyHz <= 0) {
            throw new IllegalArgumentException("frequencyHz must be positive, was " + frequencyHz);
        }
        round.beforeProfile();
        Part part = new Part(stacks.size());
        int left = stacks.size();
        int made = 0;
        for (AggregatedStack stack : stacks) {
            left--;
            SharedStack shared = stack.count() > 0 ? round.resolve(stack) : null;
            if (shared != null && shared.locations().length > 0) {
                part.add(shared, stack.count());
                if (left > 0 && round.full()) {
                    parts.accept(part.profile(labels, start, duration, frequencyHz, round));
                    made++;
                    round.startAfresh();
                    part = new Part(left);
                }
            }
        }
        if (made == 0 || part.kept > 0) {
            parts.accept(part.profile(labels, start, duration, frequencyHz, round));
        }
    }

    /** The stacks of one part of a profile, by their positions in the round, and their counts. */
    private static final class Part {
        final long[] stacksAndCounts;
        final List<SharedStack> resolved;
        int kept;

        Part(int capacity) {
            stacksAndCounts = new long[2 * capacity];
            resolved = new ArrayList<>(capacity);
        }

        void add(SharedStack shared, long count) {
            resolved.add(shared);
            stacksAndCounts[2 * kept] = shared.index();
            stacksAndCounts[2 * kept + 1] = count;
            kept++;
        }

        CpuProfile profile(SortedMap<String, String> labels, Instant start, Duration duration, int frequencyHz, SymbolizedStacks round) {
            // The same stacks in any order are the same content: order them by their position in the round.
            long[] order = new long[kept];
            for (int i = 0; i < kept; i++) {
                order[i] = (stacksAndCounts[2 * i] << 32) | i;
            }
            Arrays.sort(order);
            long[] sorted = new long[2 * kept];
            List<SharedStack> inOrder = new ArrayList<>(kept);
            for (int i = 0; i < kept; i++) {
                int at = (int) order[i];
                sorted[2 * i] = stacksAndCounts[2 * at];
                sorted[2 * i + 1] = stacksAndCounts[2 * at + 1];
                inOrder.add(resolved.get(at));
            }
            long periodNanos = 1_000_000_000L / frequencyHz;
            SymbolizedStacks.Content content = new SymbolizedStacks.Content(sorted, start, duration, periodNanos);
            SymbolizedStacks.Tables tables = round.built(content);
            if (tables == null) {
                ProfileNumbering numbering = new ProfileNumbering(round);
                for (int i = 0; i < kept; i++) {
                    numbering.add(inOrder.get(i), sorted[2 * i + 1]);
                }
                tables = new SymbolizedStacks.Tables(List.copyOf(numbering.mappings()), List.copyOf(numbering.locations),
                        List.copyOf(numbering.functions), List.copyOf(numbering.samples));
                round.built(content, tables);
            }
            List<String> comments = new ArrayList<>();
            labels.forEach((key, value) -> comments.add("label " + key + "=" + value));
            comments.add("sampling frequency " + frequencyHz + " Hz");
            return new CpuProfile(Collections.unmodifiableSortedMap(new TreeMap<>(labels)), start, duration, periodNanos,
                    tables.mappings(), tables.locations(), tables.functions(), tables.samples(), comments);
        }
    }
}
