package dev.scorch.operator.resources;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * collector.json, typed: what the operator renders and the collector parses (docs/contracts.md).
 * Field order is the JSON's; maps are sorted by the renderer so the file changes only when the
 * configuration does. Unset options are rendered as {@code null}. A policy section grows by new
 * fields: older collectors ignore what they do not know.
 *
 * @param health the collectors' endpoints and pod conditions
 * @param spool where the collectors' spools live on each node
 * @param policies one section per policy collectors serve
 */
public record CollectorJson(Health health, Spool spool, List<Policy> policies) {

    /**
     * @param port port of /readyz, /healthz and /metrics
     * @param statusUpdateSeconds the longest a pod condition goes unwritten when nothing changes
     */
    public record Health(int port, int statusUpdateSeconds) {}

    /** @param directory spool root in the collector's file system; each policy spools under {@code <directory>/<policy>/} */
    public record Spool(String directory) {}

    /**
     * @param name the ProfilingPolicy's name
     * @param nodes which nodes the policy applies to; each collector judges its own Node
     * @param sampling how the policy wants CPUs sampled
     * @param targets which processes are profiled
     * @param export where and how often profiles go
     * @param pull Go pprof endpoints pulled from the selected pods, null when the policy pulls none
     * @param triggers rules that capture profiles of a selected container, null when the policy has none
     */
    public record Policy(String name, Nodes nodes, Sampling sampling, Targets targets, Export export, Pull pull, Triggers triggers) {}

    /**
     * @param types profile type names (heap, allocs, goroutine, mutex, block, godeltaprof-*)
     * @param intervalSeconds how often each pod is pulled
     * @param timeoutSeconds the longest one fetch may take
     * @param maxProfileBytes the largest response accepted
     * @param maxConcurrent fetches in flight at once on a node
     */
    public record Pull(List<String> types, long intervalSeconds, long timeoutSeconds, long maxProfileBytes, int maxConcurrent) {}

    /**
     * @param checkIntervalSeconds how often each selected container is checked
     * @param rules when to capture
     * @param capture how a capture samples
     */
    public record Triggers(long checkIntervalSeconds, List<TriggerRule> rules, Capture capture) {}

    /**
     * A rule; exactly one of absolute and relative, the other left out of the JSON. Values are in
     * the metric's unit: cores, bytes or goroutines.
     *
     * @param metric cpu, memory or goroutines
     * @param cooldownSeconds quiet time after a capture
     * @param maxPerHour captures per container and hour
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TriggerRule(String metric, Absolute absolute, Relative relative, long cooldownSeconds, int maxPerHour) {}

    /**
     * @param above the threshold; with {@code ofLimit} a fraction of the container's limit (0.9 = 90%)
     * @param ofLimit whether {@code above} is a fraction of the limit
     */
    public record Absolute(double above, boolean ofLimit) {}

    /**
     * Holmes' rule: at least {@code min} and more than {@code diffPercent} above the recent
     * average, or at least {@code abs}.
     */
    public record Relative(double min, double diffPercent, double abs) {}

    /**
     * @param durationSeconds how long a capture's CPU profile samples
     * @param frequencyHz samples per second per CPU during a capture
     * @param maxConcurrent captures at once on a node
     */
    public record Capture(long durationSeconds, int frequencyHz, int maxConcurrent) {}

    /**
     * @param selector node labels a node must carry
     * @param tolerations the node taints the policy accepts
     */
    public record Nodes(Selector selector, List<Toleration> tolerations) {}

    /** A Kubernetes toleration; empty strings for unset fields. */
    public record Toleration(String key, String operator, String value, String effect) {}

    /**
     * @param frequencyHz samples per second per CPU
     * @param kernelStacks whether kernel frames are recorded
     * @param jvmSymbols whether HotSpot JVMs are asked to write their JIT symbols
     */
    public record Sampling(int frequencyHz, boolean kernelStacks, boolean jvmSymbols) {}

    /**
     * @param namespaceSelector namespaces by their labels
     * @param podSelector pods by their labels
     * @param hostProcesses whether processes outside any pod are profiled
     */
    public record Targets(Selector namespaceSelector, Selector podSelector, boolean hostProcesses) {}

    /** A Kubernetes label selector; empty selects everything. */
    public record Selector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {}

    /** One {@code matchExpressions} entry: In, NotIn, Exists or DoesNotExist. */
    public record Requirement(String key, String operator, List<String> values) {}

    /**
     * @param intervalSeconds how often each target's profile is cut and shipped
     * @param labels labels added to every profile
     * @param spool bound of each backend's spool
     * @param backends where profiles go
     */
    public record Export(long intervalSeconds, Map<String, String> labels, PolicySpool spool, List<Backend> backends) {}

    /** @param maxBytes bound of each backend's spool, in bytes */
    public record PolicySpool(long maxBytes) {}

    /** A backend: its name and exactly one kind, the others left out of the JSON. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Backend(String name, Pyroscope pyroscope, Parca parca, Otlp otlp) {}

    /** Grafana Pyroscope's push API; credentials only as file paths. */
    public record Pyroscope(String url, String tenantId, BasicAuth basicAuth, String bearerTokenFile, Tls tls) {}

    /** Parca's gRPC store API. */
    public record Parca(String address, boolean insecure, String bearerTokenFile, Tls tls) {}

    /** OTLP profiles over HTTP/protobuf. */
    public record Otlp(String endpoint, Map<String, String> headers, String bearerTokenFile, Tls tls) {}

    /** Files holding the basic-auth user name and password. */
    public record BasicAuth(String usernameFile, String passwordFile) {}

    /**
     * @param caFile PEM bundle trusted instead of the system roots, or null
     * @param insecureSkipVerify accept any server certificate
     */
    public record Tls(String caFile, boolean insecureSkipVerify) {}
}
