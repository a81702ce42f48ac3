package dev.scorch.collector.run;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectorMetrics;
import dev.scorch.collector.health.HealthServer;
import dev.scorch.collector.kubernetes.ListWatch;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The collector's /readyz, /healthz and /metrics: node-wide numbers from the shared sampler and
 * watches, per-policy sums, and each policy's backends labelled by policy and backend.
 */
final class NodeEndpoints {

    private NodeEndpoints() {}

    /**
     * Starts the endpoints on {@code port}.
     *
     * @param policies the policies served at scrape time
     * @param podWatch the pod watch at scrape time, null before it starts
     * @param condition the node condition /readyz reports
     */
    static HealthServer start(int port, NodeSampling sampling, Supplier<Collection<PolicyCollection>> policies,
            Supplier<ListWatch> podWatch, Supplier<Integer> podsWatched, Supplier<CollectingCondition> condition) throws IOException {
        CollectorMetrics metrics = new CollectorMetrics(() -> policies.get().stream()
                .flatMap(p -> p.backends().stream().map(b -> new CollectorMetrics.PolicyBackend(p.config().name(), b)))
                .toList())
                .counter("scorch_samples_total", "CPU samples read from the perf ring buffers.", sampling::samples)
                .counter("scorch_samples_lost_total", "Sample records the kernel dropped because a ring buffer was full.", sampling::lost)
                .counter("scorch_samples_unselected_total", "Samples a policy served here does not select, summed over the policies.",
                        () -> sum(policies.get(), PolicyCollection::unselectedSamples))
                .counter("scorch_samples_unattributed_total",
                        "Samples of containers the pod watch had not reported by the interval's end, summed over the policies.",
                        () -> sum(policies.get(), PolicyCollection::unattributedSamples))
                .counterFamily("scorch_symbolization_misses_total", "Frames that could not be named, by reason.", "reason",
                        () -> misses(sampling))
                .counterFamily("scorch_parse_rejections_total", "Node files a parser refused, by parser/limit (e.g. elf/heap_bytes).",
                        "rejection", sampling::parseRejections)
                .counterFamily("scorch_unwind_samples_total",
                        "Samples kept by a policy, by how their user stack was found (unwound from the stack copy, the kernel's frame pointers, a Go leaf's caller added).",
                        "result", sampling::unwinding)
                .counterFamily("scorch_jvm_symbols_refusals_total", "JVMs that refused to write their JIT symbols through the attach mechanism, by reason.",
                        "reason", () -> sampling.jitMaps().refusals())
                .counter("scorch_jvm_symbols_late_total", "JIT map requests a symbolization round stopped waiting for (its 2 s on JVMs"
                        + " had passed): the JVM's Java frames were named from the map it had; its answer serves the next round.",
                        () -> sampling.jitMaps().late())
                .counter("scorch_jvm_symbols_unanswered_total", "JIT map requests a JVM did not answer within the attach timeout"
                        + " (stopped, starved of CPU): the JVM is asked again after a back-off that doubles with each miss.",
                        () -> sampling.jitMaps().unanswered())
                .counterFamily("scorch_jvm_perf_maps_total", "Perf maps the collector had JVMs write, once the JVM exited, by outcome"
                        + " (removed, kept_not_ours, kept_rewritten, gone, unremovable, untracked).",
                        "outcome", () -> sampling.jitMaps().causedMaps())
                .counterFamily("scorch_jvm_symbols_refused", "1 for each JVM that refused to write its JIT symbols (never asked again), named \"command (pid n): reason\".",
                        "jvm", () -> refusedJvms(sampling))
                .counter("scorch_profiles_total", "Profiles built and offered to the exporters.", () -> sum(policies.get(), PolicyCollection::profiles))
                .counter("scorch_profiles_failed_total", "Profiles that could not be built.",
                        () -> sum(policies.get(), PolicyCollection::failedProfiles))
                .counterFamily("scorch_pull_failures_total", "Go profile fetches that failed, by policy, pod and reason"
                        + " (unreachable, timeout, endpoint-missing, http-status, too-large, not-pprof, profiling-off, node-budget).",
                        List.of("policy", "pod", "reason"), () -> perPolicy(policies.get(), p -> p.pullsAndCaptures().pullFailures()))
                .counterFamily("scorch_pull_profiles_total", "Go profiles pulled and offered to the backends, by policy and type.",
                        List.of("policy", "type"), () -> perPolicy(policies.get(), p -> p.pullsAndCaptures().pulledProfiles()))
                .counter("scorch_pull_received_bytes_total", "Compressed bytes received from pods' pprof endpoints.",
                        () -> sum(policies.get(), p -> p.pullsAndCaptures().pulledBytes()))
                .counterFamily("scorch_trigger_captures_total", "Triggered captures completed, by policy and the metric that fired.",
                        List.of("policy", "trigger"), () -> perPolicy(policies.get(), p -> p.pullsAndCaptures().capturesByTrigger()))
                .counter("scorch_trigger_checks_total", "Trigger checks run, summed over the policies (each checks every selected container).",
                        () -> sum(policies.get(), p -> p.pullsAndCaptures().triggerChecks()))
                .counter("scorch_trigger_captures_skipped_total", "Firings skipped because the policy's captures on this node were all busy.",
                        () -> sum(policies.get(), p -> p.pullsAndCaptures().capturesSkipped()))
                .counter("scorch_trigger_firings_held_total", "Rule crossings that did not fire: in the rule's cooldown or over its hourly cap.",
                        () -> sum(policies.get(), p -> p.pullsAndCaptures().firingsHeld()))
                .counter("scorch_trigger_go_profiles_missed_total", "Heap or goroutine profiles a capture could not fetch from a pod serving pprof"
                        + " (the collector's log says why).", () -> sum(policies.get(), p -> p.pullsAndCaptures().captureGoProfilesMissed()))
                .counter("scorch_trigger_captures_failed_total", "Captures that could not sample the container's cgroup.",
                        () -> sum(policies.get(), p -> p.pullsAndCaptures().capturesFailed()))
                .gauge("scorch_policies_served", "Policies whose placement admits this node, served by this collector.",
                        () -> policies.get().size())
                .gauge("scorch_processes_tracked", "Processes in the process table.", () -> sampling.processes().size())
                .gauge("scorch_pods_watched", "Pods of this node known from the pod watch.", () -> podsWatched.get())
                .gauge("scorch_pod_watch_failing", "1 while the list or watch of this node's pods fails (the condition message says why).",
                        () -> podWatch.get() != null && podWatch.get().health().failing() ? 1 : 0)
                .counter("scorch_pod_watch_failures_total", "Pod list or watch requests that failed and were retried.",
                        () -> podWatch.get() == null ? 0 : podWatch.get().health().failures())
                .counter("scorch_pod_watch_relists_total", "Pod lists repeated because the resourceVersion expired (410 Gone).",
                        () -> podWatch.get() == null ? 0 : podWatch.get().health().relists())
                .gauge("scorch_sampling_cgroups", "Pod cgroups sampled through perf cgroup events; 0 while every CPU is sampled.",
                        sampling::cgroups)
                .gauge("scorch_collecting", "1 while the pod condition scorch.dev/Collecting is True.",
                        () -> condition.get() != null && condition.get().status() ? 1 : 0);
        return new HealthServer(port, condition, metrics).start();
    }

    private static long sum(Collection<PolicyCollection> policies, ToLongFunction<PolicyCollection> value) {
        return policies.stream().mapToLong(value).sum();
    }

    /** Each policy's counts keyed by their labels ("a|b" keys split), with the policy's name first. */
    private static Map<List<String>, Long> perPolicy(Collection<PolicyCollection> policies, Function<PolicyCollection, Map<String, Long>> counts) {
        Map<List<String>, Long> all = new java.util.HashMap<>();
        for (PolicyCollection policy : policies) {
            counts.apply(policy).forEach((key, count) -> {
                List<String> labels = new java.util.ArrayList<>();
                labels.add(policy.config().name());
                labels.addAll(List.of(key.split("\\|", -1)));
                all.put(labels, count);
            });
        }
        return all;
    }

    private static Map<String, Long> refusedJvms(NodeSampling sampling) {
        Map<String, Long> named = new TreeMap<>();
        sampling.jitMaps().refusedJvms().forEach(jvm -> named.put(jvm, 1L));
        return named;
    }

    private static Map<String, Long> misses(NodeSampling sampling) {
        Map<String, Long> misses = new TreeMap<>();
        sampling.symbolizer().metrics().missesByReason().forEach((reason, count) -> misses.put(reason.label(), count));
        return misses;
    }
}
