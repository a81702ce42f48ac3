package dev.scorch.collector.pull;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The profiles a Go program serves over HTTP: the {@code net/http/pprof} endpoints and the
 * godeltaprof ones (which compute allocation and contention deltas in the program), with the
 * sample types whose values grow for the life of the process.
 */
public enum GoProfileType {
    /** Live heap and, cumulatively, allocations since start (as of the last finished GC). */
    HEAP("heap", "/debug/pprof/heap", Accumulation.SINCE_START, "alloc_objects", "alloc_space"),
    /** The same records as {@link #HEAP}, allocations shown by default. */
    ALLOCS("allocs", "/debug/pprof/allocs", Accumulation.SINCE_START, "alloc_objects", "alloc_space"),
    /** Stacks of all goroutines now. */
    GOROUTINE("goroutine", "/debug/pprof/goroutine", Accumulation.SINCE_START),
    /** Contended mutexes since start; needs {@code runtime.SetMutexProfileFraction}. */
    MUTEX("mutex", "/debug/pprof/mutex", Accumulation.SINCE_START, "contentions", "delay"),
    /** Blocking events since start; needs {@code runtime.SetBlockProfileRate}. */
    BLOCK("block", "/debug/pprof/block", Accumulation.SINCE_START, "contentions", "delay"),
    /** godeltaprof's heap: allocations since the previous request. */
    GODELTAPROF_HEAP("godeltaprof-heap", "/debug/pprof/delta_heap", Accumulation.SINCE_PREVIOUS_REQUEST, "alloc_objects", "alloc_space"),
    /** godeltaprof's mutex profile: contention since the previous request. */
    GODELTAPROF_MUTEX("godeltaprof-mutex", "/debug/pprof/delta_mutex", Accumulation.SINCE_PREVIOUS_REQUEST, "contentions", "delay"),
    /** godeltaprof's block profile: blocking since the previous request. */
    GODELTAPROF_BLOCK("godeltaprof-block", "/debug/pprof/delta_block", Accumulation.SINCE_PREVIOUS_REQUEST, "contentions", "delay");

    /** How a type's growing values are counted by the program. */
    public enum Accumulation {
        /** Since the process started: the collector subtracts the previous fetch. */
        SINCE_START,
        /** Since the previous request (godeltaprof): passed through, except the first answer. */
        SINCE_PREVIOUS_REQUEST
    }

    private final String name;
    private final String defaultPath;
    private final Accumulation accumulation;
    private final Set<String> growingSampleTypes;

    GoProfileType(String name, String defaultPath, Accumulation accumulation, String... growingSampleTypes) {
        this.name = name;
        this.defaultPath = defaultPath;
        this.accumulation = accumulation;
        this.growingSampleTypes = Set.of(growingSampleTypes);
    }

    /** The type's name on command lines and in policies, e.g. {@code godeltaprof-heap}. */
    public String typeName() {
        return name;
    }

    /** Where {@code net/http/pprof} (or godeltaprof) serves it. */
    public String defaultPath() {
        return defaultPath;
    }

    public Accumulation accumulation() {
        return accumulation;
    }

    /** Sample types whose values count events over time rather than a state now. */
    public Set<String> growingSampleTypes() {
        return growingSampleTypes;
    }

    /** The type named {@code name} ({@link #typeName}), case-insensitive. */
    public static Optional<GoProfileType> named(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.name.equals(wanted)).findFirst();
    }

    /** All type names, comma-separated, for error messages. */
    public static String allNames() {
        return Arrays.stream(values()).map(GoProfileType::typeName).collect(Collectors.joining(", "));
    }
}
