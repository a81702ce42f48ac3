package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * Where and how often the collectors ship profiles.
 *
 * @param interval how much time one profile covers and how often it is shipped, a duration from 5s
 *     to 5m such as 15s or 1m
 * @param labels labels added to every profile, e.g. cluster: prod-eu-1; keys follow Prometheus
 *     label names and may not override the labels the collector sets per target
 * @param backends the backends every profile is sent to, one or more, each with a unique name
 * @param spool the node-local disk buffer that keeps profiles while a backend is unreachable
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Export(
        @Default("15s")
        @Pattern("^([0-9]+[smh])+$")
        @ValidationRule(
                value = "duration(self) >= duration('5s') && duration(self) <= duration('5m')",
                message = "export.interval must be a duration from 5s to 5m")
        String interval,
        @Size(max = 32)
        @ValidationRule(
                value = "self.all(k, k.matches('^[a-zA-Z_][a-zA-Z0-9_]*$') && size(k) <= 63 && !k.startsWith('__'))",
                message = "export.labels keys must be Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*, at most 63 characters) not starting with __")
        @ValidationRule(
                value = "self.all(k, !(k in ['service_name', 'namespace', 'pod', 'container', 'node']))",
                message = "export.labels may not set service_name, namespace, pod, container or node: the collector sets them per target")
        Map<String, @Size(min = 1, max = 256) String> labels,
        @Required
        @Size(min = 1, max = 8)
        @ValidationRule(
                value = "self.all(b, self.exists_one(c, c.name == b.name))",
                message = "export.backends names must be unique")
        List<Backend> backends,
        @Default("{}") Spool spool) {

    public static final String DEFAULT_INTERVAL = "15s";

    public Export {
        interval = interval != null ? interval : DEFAULT_INTERVAL;
        labels = labels != null ? labels : Map.of();
        backends = backends != null ? backends : List.of();
        spool = spool != null ? spool : new Spool(null);
    }
}
