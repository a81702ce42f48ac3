package dev.scorch.e2e.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.config.CollectorConfigParser;
import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.config.RunConfig;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.TriggerRule;
import dev.scorch.operator.resources.CollectorConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The collector.json contract from both ends: every policy in {@code examples/} rendered by the
 * operator's own code is read by the collector's own parser, with nothing refused and every value
 * arriving as the policy states it. Neither side's test holds a copy of the other's format.
 */
class CollectorJsonContractTest {

    static Stream<Path> examples() throws IOException {
        Path repository = Path.of(System.getProperty("scorch.repository.root", "..")).toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(repository.resolve("examples"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void theCollectorReadsWhatTheOperatorRendersForEveryExample(Path example) throws Exception {
        ProfilingPolicy policy = Serialization.unmarshal(Files.readString(example), ProfilingPolicy.class);

        RunConfig parsed = CollectorConfigParser.parse(CollectorConfigMap.render(policy));

        assertThat(parsed.invalidPolicies()).isEmpty();
        PolicyConfig section = parsed.policies().stream().filter(p -> p.name().equals(policy.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no section for policy " + policy.getMetadata().getName()));
        var spec = policy.getSpec();
        assertThat(section.sampling().frequencyHz()).isEqualTo(spec.sampling().frequencyHz());
        assertThat(section.sampling().kernelStacks()).isEqualTo(spec.sampling().kernelStacks());
        assertThat(section.export().labels()).isEqualTo(spec.export().labels());
        assertThat(section.export().backends()).extracting(BackendConfig::name)
                .containsExactlyElementsOf(spec.export().backends().stream().map(Backend::name).toList());
        assertThat(section.export().backends()).extracting(CollectorJsonContractTest::kind)
                .containsExactlyElementsOf(spec.export().backends().stream().map(Backend::kind).toList());
        boolean hostProcesses = spec.targets() != null && spec.targets().hostProcesses();
        assertThat(section.targets().hostProcesses()).isEqualTo(hostProcesses);
        if (spec.targets() != null && spec.targets().namespaceSelector() != null
                && spec.targets().namespaceSelector().getMatchLabels() != null) {
            assertThat(section.targets().namespaceSelector().matchLabels()).isEqualTo(spec.targets().namespaceSelector().getMatchLabels());
        }
        if (spec.nodes() != null && spec.nodes().selector() != null && spec.nodes().selector().getMatchLabels() != null) {
            assertThat(section.nodes().selector().matchLabels()).isEqualTo(spec.nodes().selector().getMatchLabels());
        }
        int tolerations = spec.nodes() == null || spec.nodes().tolerations() == null ? 0 : spec.nodes().tolerations().size();
        assertThat(section.nodes().tolerations()).hasSize(tolerations);
        assertThat(section.pull().map(p -> p.types().stream().map(GoProfileType::typeName).sorted().toList()))
                .isEqualTo(Optional.ofNullable(spec.pull()).map(p -> p.types().stream().sorted().toList()));
        assertThat(section.pull().map(p -> p.interval().toSeconds()))
                .isEqualTo(Optional.ofNullable(spec.pull()).map(p -> Duration.parse("PT" + p.interval().toUpperCase()).toSeconds()));
        assertThat(section.triggers().map(t -> t.rules().stream().map(r -> r.metric().label()).toList()))
                .isEqualTo(Optional.ofNullable(spec.triggers()).map(t -> t.rules().stream().map(TriggerRule::metric).toList()));
        assertThat(section.triggers().map(t -> t.capture().frequencyHz()))
                .isEqualTo(Optional.ofNullable(spec.triggers()).map(t -> t.capture().frequencyHz()));
    }

    @Test
    void triggerThresholdsArriveInTheMetricsUnits() throws Exception {
        Path example = examples().filter(e -> e.endsWith("go-services-pull-and-triggers.yaml")).findFirst().orElseThrow();
        ProfilingPolicy policy = Serialization.unmarshal(Files.readString(example), ProfilingPolicy.class);

        PolicyConfig section = CollectorConfigParser.parse(CollectorConfigMap.render(policy)).policies().getFirst();

        List<dev.scorch.collector.trigger.TriggerRule> rules = section.triggers().orElseThrow().rules();
        assertThat(rules.get(0).threshold()).isEqualTo(new dev.scorch.collector.trigger.TriggerRule.Relative(0.5, 100, 3));
        assertThat(rules.get(1).threshold()).isEqualTo(new dev.scorch.collector.trigger.TriggerRule.Absolute(0.9, true));
        assertThat(rules.get(1).cooldown()).isEqualTo(Duration.ofMinutes(10));
        assertThat(rules.get(2).threshold()).isEqualTo(new dev.scorch.collector.trigger.TriggerRule.Relative(1000, 50, 50_000));
        assertThat(section.pull().orElseThrow().maxProfileBytes()).isEqualTo(16L << 20);
    }

    static String kind(BackendConfig backend) {
        return switch (backend) {
            case BackendConfig.Pyroscope p -> "pyroscope";
            case BackendConfig.Parca p -> "parca";
            case BackendConfig.Otlp o -> "otlp";
            case BackendConfig.Directory d -> "directory";
        };
    }
}
