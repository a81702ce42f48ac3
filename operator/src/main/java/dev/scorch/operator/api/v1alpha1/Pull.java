package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;

/**
 * Go runtime profiles pulled from the selected pods' pprof endpoints by the collector on each pod's
 * node (pod IP and port, no central scraper). Only selected pods that announce an endpoint are
 * pulled: with the annotation scorch.dev/pprof-port (a port number or a container port's name) and
 * optionally scorch.dev/pprof-path (the prefix that replaces /debug/pprof), or with the
 * profiles.grafana.com/TYPE.scrape, .port, .port_name and .path annotations used by Grafana Alloy
 * (TYPE memory, goroutine, mutex, block, godeltaprof_memory, godeltaprof_mutex,
 * godeltaprof_block). Cumulative types (allocations, mutex and block contention) are exported as
 * per-interval deltas; the first fetch after a pod or collector restart is a baseline, not a spike.
 *
 * @param types the profile types pulled from each pod (absent: heap, allocs, goroutine, mutex and
 *     block): heap, allocs, goroutine, mutex, block,
 *     godeltaprof-heap, godeltaprof-mutex or godeltaprof-block; mutex and block need the program to
 *     set runtime.SetMutexProfileFraction or runtime.SetBlockProfileRate
 * @param interval how often each pod is pulled and how much time one delta covers, a duration from
 *     5s to 5m such as 15s
 * @param timeout the longest one fetch may take, connection to last byte, a duration from 1s to
 *     60s and shorter than interval
 * @param maxProfileBytes the largest response accepted, a quantity from 64Ki to 256Mi; larger
 *     answers are dropped and counted as too-large. The collector caps every response at its heap
 *     / 16 (4Mi of a 64Mi heap) whatever this allows
 * @param maxConcurrent this policy's fetches in flight at once on one node, 1 to 16; the fetches
 *     of an interval are spread over its first quarter, each pod at an offset of its own (jitter).
 *     The node's fetch budget, shared by every policy on the node, also bounds it: 2 fetches at
 *     once on the node, each held until its body (at most heap / 16, 4Mi of the collector's 64Mi
 *     heap) is decoded within heap / 8 (8Mi); a fetch that finds no room within its timeout fails
 *     as node-budget
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "duration(self.timeout) < duration(self.interval)",
        message = "pull.timeout must be shorter than pull.interval")
public record Pull(
        @Size(min = 1, max = 8)
        @ValidationRule(
                value = "self.all(t, t in ['heap', 'allocs', 'goroutine', 'mutex', 'block', 'godeltaprof-heap', 'godeltaprof-mutex', 'godeltaprof-block'])",
                message = "pull.types must be among heap, allocs, goroutine, mutex, block, godeltaprof-heap, godeltaprof-mutex, godeltaprof-block")
        @ValidationRule(
                value = "self.all(t, self.exists_one(u, u == t))",
                message = "pull.types must not repeat a type")
        List<@Size(max = 20) String> types,
        @Default("15s")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('5s') && duration(self) <= duration('5m')",
                message = "pull.interval must be a duration from 5s to 5m")
        String interval,
        @Default("10s")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('1s') && duration(self) <= duration('60s')",
                message = "pull.timeout must be a duration from 1s to 60s")
        String timeout,
        @Default("32Mi")
        @ValidationRule(
                value = "isQuantity(string(self)) && quantity(string(self)).compareTo(quantity('64Ki')) >= 0"
                        + " && quantity(string(self)).compareTo(quantity('256Mi')) <= 0",
                message = "pull.maxProfileBytes must be a quantity from 64Ki to 256Mi")
        Quantity maxProfileBytes,
        @Min(1) @Max(16) @Default("4") Integer maxConcurrent) {

    public static final List<String> DEFAULT_TYPES = List.of("heap", "allocs", "goroutine", "mutex", "block");
    public static final String DEFAULT_INTERVAL = "15s";
    public static final String DEFAULT_TIMEOUT = "10s";
    public static final String DEFAULT_MAX_PROFILE_BYTES = "32Mi";
    public static final int DEFAULT_MAX_CONCURRENT = 4;

    public Pull {
        types = types != null && !types.isEmpty() ? types : DEFAULT_TYPES;
        interval = interval != null ? interval : DEFAULT_INTERVAL;
        timeout = timeout != null ? timeout : DEFAULT_TIMEOUT;
        maxProfileBytes = maxProfileBytes != null ? maxProfileBytes : new Quantity(DEFAULT_MAX_PROFILE_BYTES);
        maxConcurrent = maxConcurrent != null ? maxConcurrent : DEFAULT_MAX_CONCURRENT;
    }
}
