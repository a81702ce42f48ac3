package dev.scorch.collector.run;

import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.sampling.SamplingProblem;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.collector.unwind.StackUnwinder;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node's one set of perf events, shared by every policy served: one sampler, one process
 * table, one symbolizer. It samples at the highest frequency any policy asks for, with kernel
 * stacks when any asks for them, and in the union of their scopes: every CPU when any policy
 * needs it, otherwise the cgroups of every selected pod. Reopened only when that changes.
 */
final class NodeSampling implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeSampling.class.getName());

    /**
     * Distinct stacks held across the policies' intervals (about 16 MiB at the bound); past it
     * stacks fold into their process, so counts stay exact.
     */
    static final int MAX_STACKS = 65_536;

    private final String node;
    private final ProcessTable processes = ProcessTable.ofThisHost();
    private final JitMapRequests jitMaps = JitMapRequests.ofThisHost();
    /** Whether some served policy lets the collector ask JVMs for their JIT symbols. */
    private volatile boolean jvmSymbols = true;
    /** Each mapped object file is opened, and its headers parsed, once for symbols and unwinding. */
    private final MappedObjects objectFiles = MappedObjects.ofThisHost();
    private final Symbolizer symbolizer = new Symbolizer(Symbolizer.Settings.defaults(),
            () -> jvmSymbols ? jitMaps.beginRound() : PerfMapWriter.Round.NONE, objectFiles);
    private final StackUnwinder unwinder =
            StackUnwinder.forSamples(SamplerOptions.unwindingSupported() ? SamplerOptions.DEFAULT_USER_STACK_BYTES : 0, processes, objectFiles);
    /** Every policy's stacks, each stored once however many policies keep it. */
    private final StackStore stacks = new StackStore(MAX_STACKS);
    private final RecordRouter router = new RecordRouter(processes, stacks, unwinder);
    /** Every policy's profiles: the policies ending their intervals together resolve their stacks in one round. */
    private final CpuProfileBuilder profiles = new CpuProfileBuilder(symbolizer, processes);
    private final Optional<Path> cgroupMount = CgroupDirectories.ofThisHost().unifiedMount();
    private final PodCgroupDirectories podCgroups = cgroupMount.map(PodCgroupDirectories::new).orElse(null);
    private volatile Optional<CollectorState.Failure> failure;
    private volatile Sampler sampler;
    private volatile SamplingScope scope;
    private SamplerOptions options;
    /** Samples and lost records of samplers closed when the scope changed, so the counters keep growing. */
    private long closedSamples;
    private long closedLost;

    private NodeSampling(String node, Optional<CollectorState.Failure> failure) {
        this.node = node;
        this.failure = failure;
    }

    /** Checks that this host can sample at all; a fatal finding is kept as the node's failure. */
    static NodeSampling ofThisHost(String node) {
        for (SamplingPreflight.Finding finding : SamplingPreflight.ofThisHost().check(true)) {
            if (finding.problem().fatal()) {
                LOG.log(Level.ERROR, "node {0}: cannot sample: {1}", node, finding.message());
                return new NodeSampling(node, Optional.of(failure(finding.problem(), finding.message())));
            }
            LOG.log(Level.WARNING, "node {0}: {1}", node, finding.message());
        }
        return new NodeSampling(node, Optional.empty());
    }

    /** Why this node cannot sample, empty while it can. */
    Optional<CollectorState.Failure> failure() {
        return failure;
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

    JitMapRequests jitMaps() {
        return jitMaps;
    }

    /** The cgroup2 mount pods' cgroups are found in, empty on a host without one. */
    Optional<Path> cgroupMount() {
        return cgroupMount;
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
        SamplerOptions current = options;
        return current == null ? 0 : current.frequencyHz();
    }

    /** Runs {@code drains} between two samples' counting (see {@link RecordRouter#betweenSamples}). */
    void betweenSamples(Runnable drains) {
        router.betweenSamples(drains);
    }

    /** Reads what the kernel has buffered into the aggregators; at most every 10 s, removes exited JVMs' perf maps. */
    void drain() {
        Sampler current = sampler;
        if (current != null) {
            current.drain();
        }
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
        if (failure.isPresent()) {
            return;
        }
        SamplerOptions wanted = SamplerOptions.allCpus(
                policies.stream().mapToInt(p -> p.config().sampling().frequencyHz()).max().orElse(1),
                policies.stream().anyMatch(p -> p.config().sampling().kernelStacks()));
        SamplingScope next = scopeOf(policies);
        if (next.equals(scope) && wanted.equals(options)) {
            return;
        }
        closeSampler();
        try {
            sampler = open(next, wanted);
        } catch (SamplingUnavailableException e) {
            if (next.everyCpu()) {
                fail(e.problem(), e.getMessage());
                return;
            }
            next = SamplingScope.allCpus("perf cgroup events failed: " + e.getMessage());
            try {
                sampler = open(next, wanted);
            } catch (SamplingUnavailableException again) {
                fail(again.problem(), again.getMessage());
                return;
            }
        }
        boolean frequencyChanged = options != null && options.frequencyHz() != wanted.frequencyHz();
        options = wanted;
        scope = next;
        if (next.everyCpu()) {
            LOG.log(Level.INFO, "node {0}: sampling every CPU at {1} Hz: {2}", node, Integer.toString(wanted.frequencyHz()),
                    next.allCpusReason());
        } else if (next.idle()) {
            LOG.log(Level.INFO, "node {0}: not sampling: no policy served here selects a pod on this node", node);
        } else {
            LOG.log(Level.INFO, "node {0}: sampling only the {1} cgroup(s) of the selected pods at {2} Hz", node,
                    Integer.toString(next.cgroups().size()), Integer.toString(wanted.frequencyHz()));
        }
        if (frequencyChanged) {
            LOG.log(Level.INFO, "node {0}: every policy''s profiles now state a period of 1/{1} s", node,
                    Integer.toString(wanted.frequencyHz()));
        }
    }

    private SamplingScope scopeOf(List<PolicyCollection> policies) {
        Map<String, PodInfo> selected = new LinkedHashMap<>();
        for (PolicyCollection policy : policies) {
            policy.selectedPods().forEach(pod -> selected.putIfAbsent(pod.uid(), pod));
        }
        Map<String, Path> directories = podCgroups == null ? Map.of() : podCgroups.find(List.copyOf(selected.values()));
        List<SamplingScope> scopes = new ArrayList<>();
        for (PolicyCollection policy : policies) {
            scopes.add(SamplingScope.of(policy.config().name(), policy.config().targets(), cgroupMount, policy.selectedPods(),
                    directories));
        }
        return SamplingScope.union(scopes);
    }

    private Sampler open(SamplingScope next, SamplerOptions wanted) throws SamplingUnavailableException {
        if (next.idle()) {
            return null;
        }
        Sampler opened = Sampler.open(next.everyCpu() ? wanted : wanted.withCgroups(next.cgroups()));
        if (opened.ringPages() < wanted.dataPages()) {
            LOG.log(Level.WARNING, "node {0}: the kernel locked {1} KiB of ring buffer per CPU, not the {2} KiB asked for: samples are lost"
                    + " when the collector is not scheduled for longer than the rings last; grant the collector IPC_LOCK or raise"
                    + " kernel.perf_event_mlock_kb", new Object[] {node, Integer.toString(opened.ringPages() * 4),
                            Integer.toString(wanted.dataPages() * 4)});
        }
        try {
            // Between opening the events and reading them: a process started before is learnt from /proc, one after from records.
            processes.learnRunningProcesses();
            opened.start(router);
        } catch (SamplingUnavailableException e) {
            opened.close();
            throw e;
        }
        return opened;
    }

    private void closeSampler() {
        Sampler previous = sampler;
        if (previous != null) {
            previous.drain();
            closedSamples += previous.samples();
            closedLost += previous.lost();
            sampler = null;
            previous.close();
        }
    }

    private void fail(SamplingProblem problem, String message) {
        failure = Optional.of(failure(problem, message));
        LOG.log(Level.ERROR, "node {0}: cannot sample: {1}", node, message);
    }

    private static CollectorState.Failure failure(SamplingProblem problem, String message) {
        CollectingReason reason = problem == SamplingProblem.KERNEL_UNSUPPORTED ? CollectingReason.KernelUnsupported : CollectingReason.PerfUnavailable;
        return new CollectorState.Failure(reason, message);
    }

    long samples() {
        Sampler current = sampler;
        return closedSamples + (current == null ? 0 : current.samples());
    }

    long lost() {
        Sampler current = sampler;
        return closedLost + (current == null ? 0 : current.lost());
    }

    /** Pod cgroups sampled through perf cgroup events; 0 while every CPU is sampled or nothing is. */
    int cgroups() {
        SamplingScope current = scope;
        return current == null ? 0 : current.cgroups().size();
    }

    /**
     * Stops sampling and removes the perf maps this collector had JVMs write, the running JVMs' too:
     * the next collector would take a map it finds as the JVM's own and never remove it, and it
     * asks the JVM for a fresh one before reading anyway.
     */
    @Override
    public synchronized void close() {
        closeSampler();
        jitMaps.removeCausedMaps();
    }
}
