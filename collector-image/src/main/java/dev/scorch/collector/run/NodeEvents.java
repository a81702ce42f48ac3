package dev.scorch.collector.run;

import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingProblem;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's perf events: opened at the highest frequency any policy asks for, with kernel stacks
 * when any asks for them, in the union of their scopes (every CPU when any policy needs it,
 * otherwise the cgroups of every selected pod), and reopened only when that changes. Their
 * records go to {@link RecordRouter}. A problem that stops all sampling is kept as the node's
 * failure. Guarded by its {@link NodeSampling}.
 */
final class NodeEvents {

    private static final System.Logger LOG = System.getLogger(NodeEvents.class.getName());

    private final String node;
    private final ProcessTable processes;
    private final RecordRouter router;
    private final Optional<Path> cgroupMount = CgroupDirectories.ofThisHost().unifiedMount();
    private final PodCgroupDirectories podCgroups = cgroupMount.map(PodCgroupDirectories::new).orElse(null);
    private volatile Optional<CollectorState.Failure> failure;
    private volatile Sampler sampler;
    private volatile SamplingScope scope;
    private volatile SamplerOptions options;
    /** Samples and lost records of samplers closed when the scope changed, so the counters keep growing. */
    private long closedSamples;
    private long closedLost;

    NodeEvents(String node, ProcessTable processes, RecordRouter router, Optional<CollectorState.Failure> failure) {
        this.node = node;
        this.processes = processes;
        this.router = router;
        this.failure = failure;
    }

    static CollectorState.Failure failure(SamplingProblem problem, String message) {
        CollectingReason reason = problem == SamplingProblem.KERNEL_UNSUPPORTED ? CollectingReason.KernelUnsupported : CollectingReason.PerfUnavailable;
        return new CollectorState.Failure(reason, message);
    }

    /** Why this node cannot sample, empty while it can. */
    Optional<CollectorState.Failure> failure() {
        return failure;
    }

    /** The cgroup2 mount pods' cgroups are found in, empty on a host without one. */
    Optional<Path> cgroupMount() {
        return cgroupMount;
    }

    /** The frequency the node samples at now, which every profile states as its period. */
    int frequencyHz() {
        SamplerOptions current = options;
        return current == null ? 0 : current.frequencyHz();
    }

    /** Reads what the kernel has buffered now. */
    void drain() {
        Sampler current = sampler;
        if (current != null) {
            current.drain();
        }
    }

    /** Opens the events for what {@code policies} select now, unless that is what is open. */
    void follow(List<PolicyCollection> policies) {
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
        close();
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

    private void fail(SamplingProblem problem, String message) {
        failure = Optional.of(failure(problem, message));
        LOG.log(Level.ERROR, "node {0}: cannot sample: {1}", node, message);
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

    /** Closes the events open now, after reading what they buffered. */
    void close() {
        Sampler previous = sampler;
        if (previous != null) {
            previous.drain();
            closedSamples += previous.samples();
            closedLost += previous.lost();
            sampler = null;
            previous.close();
        }
    }
}
