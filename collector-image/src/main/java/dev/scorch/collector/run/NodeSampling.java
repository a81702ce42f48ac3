package dev.scorch.collector.run;

import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.unwind.StackUnwinder;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node's one sampling pipeline, shared by every policy served: its perf events, opened for
 * the union of what the policies ask ({@link NodeEvents}), one process table, one unwinder, one
 * stack store, one symbolizer and the JIT maps it asks JVMs for.
 */
final class NodeSampling implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeSampling.class.getName());

    /**
     * Distinct stacks held across the policies' intervals (about 16 MiB at the bound); past it
     * stacks fold into their process, so counts stay exact.
     */
    static final int MAX_STACKS = 65_536;

    private final ProcessTable processes = ProcessTable.ofThisHost();
    private final JitMapRequests jitMaps = JitMapRequests.ofThisHost();
    /** Whether some served policy lets the collector ask JVMs for their JIT symbols. */
    private volatile boolean jvmSymbols = true;
    /** Each mapped object file is opened, and its headers parsed, once for symbols and unwinding. */
    private final MappedObjects objectFiles = MappedObjects.ofThisHost();
    private final Symbolizer symbolizer = new Symbolizer(Symbolizer.Settings.defaults(),
            jvms -> jvmSymbols ? jitMaps.beginRound(jvms) : PerfMapWriter.Round.NONE, objectFiles);
    private final StackUnwinder unwinder =
            StackUnwinder.forSamples(SamplerOptions.unwindingSupported() ? SamplerOptions.DEFAULT_USER_STACK_BYTES : 0, processes, objectFiles);
    /** Every policy's stacks, each stored once however many policies keep it. */
    private final StackStore stacks = new StackStore(MAX_STACKS);
    private final RecordRouter router = new RecordRouter(processes, stacks, unwinder);
    /** Every policy's profiles: the policies ending their intervals together resolve their stacks in one round. */
    private final CpuProfileBuilder profiles = new CpuProfileBuilder(symbolizer, processes);
    private final NodeEvents events;

    private NodeSampling(String node, Optional<CollectorState.Failure> failure) {
        this.events = new NodeEvents(node, processes, router, failure);
    }

    /** Checks that this host can sample at all; a fatal finding is kept as the node's failure. */
    static NodeSampling ofThisHost(String node) {
        for (SamplingPreflight.Finding finding : SamplingPreflight.ofThisHost().check(true)) {
            if (finding.problem().fatal()) {
                LOG.log(Level.ERROR, "node {0}: cannot sample: {1}", node, finding.message());
                return new NodeSampling(node, Optional.of(NodeEvents.failure(finding.problem(), finding.message())));
            }
            LOG.log(Level.WARNING, "node {0}: {1}", node, finding.message());
        }
        return new NodeSampling(node, Optional.empty());
    }

    /** Why this node cannot sample, empty while it can. */
    Optional<CollectorState.Failure> failure() {
        return events.failure();
    }

    ProcessTable processes() {
        return processes;
    }

    /** Samples by how their user stack was found: {@code unwound}, {@code frame_pointers}, {@code go_leaf_caller}. */
    Map<String, Long> unwinding() {
        Map<String, Long> counts = new TreeMap<>();
        if (unwinder != null) {
            counts.put("unwound", unwinder.unwound());
            counts.put("frame_pointers", unwinder.framePointerOnly());
            counts.put("go_leaf_caller", unwinder.goLeafCallers());
        }
        return counts;
    }

    /** Refusals of the parsers that read node files: /proc's, the symbolizer's and the unwinder's. */
    Map<String, Long> parseRejections() {
        Map<String, Long> counts = new TreeMap<>(symbolizer.rejections().counts());
        processes.rejections().forEach((label, count) -> counts.merge(label, count, Long::sum));
        if (unwinder != null) {
            unwinder.objects().rejections().counts().forEach((label, count) -> counts.merge(label, count, Long::sum));
        }
        return counts;
    }

    /**
     * Takes over the JVMs that still owed an earlier collector's JIT map request, and hands on
     * those that still owe this one's at its stop, through a file in {@code directory} (the spool
     * root, which outlives the collector): a JVM that answers after its collector has exited has
     * the map it writes removed by the next one.
     */
    void handOverJitMapAnswersThrough(Path directory) {
        // Policy names cannot start with a dot: no policy's spool is named like it.
        jitMaps.handOverAnswersDueThrough(directory.resolve(".jit-map-answers-due"));
    }

    JitMapRequests jitMaps() {
        return jitMaps;
    }

    /** The cgroup2 mount pods' cgroups are found in, empty on a host without one. */
    Optional<Path> cgroupMount() {
        return events.cgroupMount();
    }

    /** The store every served policy's aggregator keeps its stacks in. */
    StackStore stacks() {
        return stacks;
    }

    Symbolizer symbolizer() {
        return symbolizer;
    }

    /** Builds every served policy's profiles from the node's process table and symbolizer. */
    CpuProfileBuilder profiles() {
        return profiles;
    }

    /** The frequency the node samples at now, which every profile states as its period. */
    int frequencyHz() {
        return events.frequencyHz();
    }

    /** Runs {@code drains} between two samples' counting (see {@link RecordRouter#betweenSamples}). */
    void betweenSamples(Runnable drains) {
        router.betweenSamples(drains);
    }

    /** Reads what the kernel has buffered into the aggregators; at most every 10 s, removes exited JVMs' perf maps. */
    void drain() {
        events.drain();
        jitMaps.sweepExitedJvms();
    }

    /**
     * Stops asking JVMs for fresh JIT maps (shutdown): the interval in progress and the final flush
     * name Java frames from the maps already written, at most one interval old. A JVM asked then
     * may itself be stopping (a node drained, every collector of a bench stopped at once) and each
     * request can wait up to its attach timeout; while a flush ran longer than the 30 s between
     * requests, it asked the same JVMs again, and collectors stopped together under load 50-90
     * stayed in their final flush for more than 15 minutes, past any pod's grace period
     * (docs/benchmarks.md).
     */
    void stopAskingJvms() {
        jitMaps.stopAsking();
    }

    /**
     * Routes samples to {@code policies} and opens the events for what they select now, reopening
     * them only when the frequency, kernel stacks or scope changed.
     */
    synchronized void follow(List<PolicyCollection> policies) {
        router.route(policies.stream().map(PolicyCollection::aggregator).toList());
        jvmSymbols = policies.stream().anyMatch(p -> p.config().sampling().jvmSymbols());
        events.follow(policies);
    }

    long samples() {
        return events.samples();
    }

    long lost() {
        return events.lost();
    }

    /** Pod cgroups sampled through perf cgroup events; 0 while every CPU is sampled or nothing is. */
    int cgroups() {
        return events.cgroups();
    }

    /**
     * Stops sampling and removes the perf maps this collector had JVMs write, the running JVMs' too:
     * the next collector would take a map it finds as the JVM's own and never remove it, and it
     * asks the JVM for a fresh one before reading anyway.
     */
    @Override
    public synchronized void close() {
        events.close();
        jitMaps.removeCausedMaps();
    }
}
