package dev.scorch.collector.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * collector.json as the operator renders it for the whole installation (docs/contracts.md): the
 * collector's own settings and one section per ProfilingPolicy. Each collector serves the
 * policies whose node placement admits its node.
 *
 * @param health the collector's endpoints and pod conditions
 * @param spoolRoot where spools live; each policy's backends spool under {@code <spoolRoot>/<policy>/<backend>/}
 * @param policies the policies that parsed, in file order, names unique
 * @param invalidPolicies sections that did not parse: only those policies report ConfigInvalid,
 *     the others run
 */
public record RunConfig(Health health, Path spoolRoot, List<PolicyConfig> policies, List<InvalidPolicy> invalidPolicies) {

    public RunConfig {
        policies = List.copyOf(policies);
        invalidPolicies = List.copyOf(invalidPolicies);
    }

    /**
     * @param port port of /readyz, /healthz and /metrics
     * @param statusUpdateInterval the longest a pod condition goes unwritten when nothing changes
     */
    public record Health(int port, Duration statusUpdateInterval) {

        /** What an absent {@code health} means, and what a collector uses whose file's health section cannot be read. */
        public static final Health DEFAULT = new Health(8080, Duration.ofSeconds(120));
    }

    /**
     * A policy section that names itself but is wrong.
     *
     * @param name the policy's name
     * @param message which field is wrong and how, naming the file
     */
    public record InvalidPolicy(String name, String message) {}
}
