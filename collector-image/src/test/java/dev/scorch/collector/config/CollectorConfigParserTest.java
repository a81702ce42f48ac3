package dev.scorch.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.attribution.LabelSelector;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.trigger.TriggerRule;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CollectorConfigParserTest {

    /** The collector.json example of docs/contracts.md, read from the document itself so the two cannot drift. */
    static final String CONTRACT_EXAMPLE = ContractsDocument.collectorJsonExample();

    static final String MINIMAL_BACKENDS = """
            "backends": [{"name": "parca", "parca": {"address": "parca:7070"}}]""";

    /** A file with one policy section. */
    static String onePolicy(String section) {
        return "{\"policies\": [" + section + "]}";
    }

    /** The message of the one policy section that did not parse. */
    static String policyError(String json) throws ConfigException {
        RunConfig config = CollectorConfigParser.parse(json);
        assertThat(config.invalidPolicies()).hasSize(1);
        return config.invalidPolicies().getFirst().message();
    }

    @Test
    void readsTheContractExample() throws ConfigException {
        RunConfig run = CollectorConfigParser.parse(CONTRACT_EXAMPLE);

        assertThat(run.health()).isEqualTo(new RunConfig.Health(8080, Duration.ofSeconds(120)));
        assertThat(run.spoolRoot()).isEqualTo(Path.of("/var/lib/scorch/spool"));
        assertThat(run.invalidPolicies()).isEmpty();
        assertThat(run.policies()).extracting(PolicyConfig::name).containsExactly("checkout-cpu", "fleet");
        PolicyConfig config = run.policies().getFirst();
        assertThat(config.nodes().selector().matchLabels()).containsExactly(Map.entry("node-role.kubernetes.io/worker", ""));
        assertThat(config.sampling()).isEqualTo(new PolicyConfig.Sampling(19, true));
        assertThat(config.targets().namespaceSelector().matchLabels()).containsExactly(Map.entry("team", "checkout"));
        assertThat(config.targets().podSelector().matchExpressions()).containsExactly(
                new LabelSelector.Requirement("app", LabelSelector.Operator.In, List.of("api")));
        assertThat(config.export().interval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.export().labels()).containsExactly(Map.entry("cluster", "prod-eu-1"));
        assertThat(config.export().spool()).isEqualTo(new PolicyConfig.Spool(Path.of("/var/lib/scorch/spool/checkout-cpu"), 268435456L));
        assertThat(config.export().backends()).containsExactly(
                new BackendConfig.Pyroscope("grafana", URI.create("http://pyroscope.monitoring:4040"), Optional.of("team-a"),
                        Optional.of(new BackendConfig.BasicAuth(Path.of("/etc/scorch/secrets/checkout-cpu.grafana.username"),
                                Path.of("/etc/scorch/secrets/checkout-cpu.grafana.password"))),
                        Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS),
                new BackendConfig.Parca("parca", "parca.monitoring:7070", true, Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS),
                new BackendConfig.Otlp("otel", URI.create("http://otel-collector.monitoring:4318"), Map.of(), Optional.empty(),
                        BackendConfig.Tls.SYSTEM_ROOTS));
        PolicyConfig fleet = run.policies().get(1);
        assertThat(fleet.nodes().tolerations()).containsExactly(new PolicyConfig.Toleration("", "Exists", "", ""));
        assertThat(fleet.targets().hostProcesses()).isTrue();
        assertThat(fleet.pull().orElseThrow().types()).containsExactlyInAnyOrder(GoProfileType.HEAP, GoProfileType.ALLOCS,
                GoProfileType.GOROUTINE, GoProfileType.MUTEX);
        assertThat(fleet.triggers().orElseThrow().rules()).extracting(TriggerRule::metric)
                .containsExactly(TriggerRule.Metric.CPU, TriggerRule.Metric.MEMORY);
        assertThat(config.pull()).isEmpty();
    }

    @Test
    void readsPullAndTriggers() throws ConfigException {
        PolicyConfig config = CollectorConfigParser.parse(onePolicy("""
                {"name": "go", "export": {%s}, "pull": {"types": ["heap", "godeltaprof-mutex"], "intervalSeconds": 30,
                 "timeoutSeconds": 5, "maxProfileBytes": 1048576, "maxConcurrent": 2},
                 "triggers": {"checkIntervalSeconds": 5, "rules": [
                   {"metric": "cpu", "relative": {"min": 0.5, "diffPercent": 100, "abs": 3}, "cooldownSeconds": 60, "maxPerHour": 4},
                   {"metric": "memory", "absolute": {"above": 0.9, "ofLimit": true}, "cooldownSeconds": 600, "maxPerHour": 6}],
                  "capture": {"durationSeconds": 5, "frequencyHz": 99, "maxConcurrent": 2}}}""".formatted(MINIMAL_BACKENDS)))
                .policies().getFirst();

        assertThat(config.pull()).contains(new PolicyConfig.Pull(Set.of(GoProfileType.HEAP, GoProfileType.GODELTAPROF_MUTEX),
                Duration.ofSeconds(30), Duration.ofSeconds(5), 1 << 20, 2));
        assertThat(config.triggers()).contains(new PolicyConfig.Triggers(Duration.ofSeconds(5), List.of(
                new TriggerRule(TriggerRule.Metric.CPU, new TriggerRule.Relative(0.5, 100, 3), Duration.ofSeconds(60), 4),
                new TriggerRule(TriggerRule.Metric.MEMORY, new TriggerRule.Absolute(0.9, true), Duration.ofSeconds(600), 6)),
                new PolicyConfig.Capture(Duration.ofSeconds(5), 99, 2)));
    }

    @Test
    void absentOrNullPullAndTriggersMeanNeither() throws ConfigException {
        PolicyConfig config = CollectorConfigParser.parse(onePolicy("""
                {"name": "cpu-only", "export": {%s}, "pull": null}""".formatted(MINIMAL_BACKENDS))).policies().getFirst();

        assertThat(config.pull()).isEmpty();
        assertThat(config.triggers()).isEmpty();
    }

    @Test
    void anUnknownPullTypeCostsThePolicyNamingTheField() throws ConfigException {
        assertThat(policyError(onePolicy("""
                {"name": "go", "export": {%s}, "pull": {"types": ["heap", "cpu"]}}""".formatted(MINIMAL_BACKENDS))))
                .contains("policies[0].pull.types").contains("unknown profile type \"cpu\"");
    }

    @Test
    void aPullTimeoutAsLongAsTheIntervalIsRefused() throws ConfigException {
        assertThat(policyError(onePolicy("""
                {"name": "go", "export": {%s}, "pull": {"types": ["heap"], "intervalSeconds": 10, "timeoutSeconds": 10}}"""
                .formatted(MINIMAL_BACKENDS)))).contains("pull.timeoutSeconds").contains("shorter than intervalSeconds");
    }

    @Test
    void aTriggerRuleWithBothThresholdsIsRefused() throws ConfigException {
        assertThat(policyError(onePolicy("""
                {"name": "go", "export": {%s}, "triggers": {"rules": [{"metric": "cpu", "absolute": {"above": 2},
                 "relative": {"min": 1, "diffPercent": 50, "abs": 3}}]}}""".formatted(MINIMAL_BACKENDS))))
                .contains("triggers.rules[0]").contains("exactly one of absolute or relative");
    }

    @Test
    void aRelativeThresholdWithAbsBelowMinNamesTheField() throws ConfigException {
        assertThat(policyError(onePolicy("""
                {"name": "go", "export": {%s}, "triggers": {"rules": [{"metric": "memory",
                 "relative": {"min": 100, "diffPercent": 50, "abs": 10}}]}}""".formatted(MINIMAL_BACKENDS))))
                .contains("triggers.rules[0].relative").contains("abs >= min");
    }

    @Test
    void absentSectionsMeanEveryUntaintedNodeEveryPodAndNoHostProcesses() throws ConfigException {
        PolicyConfig config = CollectorConfigParser.parse(onePolicy("{\"name\": \"p\", \"export\": {" + MINIMAL_BACKENDS + "}}"))
                .policies().getFirst();

        assertThat(config.nodes()).isEqualTo(PolicyConfig.Nodes.EVERY_UNTAINTED_NODE);
        assertThat(config.targets()).isEqualTo(PolicyConfig.Targets.EVERY_POD);
        assertThat(config.sampling()).isEqualTo(new PolicyConfig.Sampling(19, true));
    }

    @Test
    void anEmptyFileObjectServesNoPolicyWithDefaultHealth() throws ConfigException {
        RunConfig config = CollectorConfigParser.parse("{}");

        assertThat(config.policies()).isEmpty();
        assertThat(config.health()).isEqualTo(RunConfig.Health.DEFAULT);
    }

    @Test
    void aFileUnusableAsAWholeStillGivesItsValidHealthSection() {
        String unusable = "{\"health\": {\"port\": 9464, \"statusUpdateSeconds\": 30}, \"policies\": [{\"export\": {}}]}";

        assertThatThrownBy(() -> CollectorConfigParser.parse(unusable)).isInstanceOf(ConfigException.class);
        assertThat(CollectorConfigParser.healthSectionOf(unusable.getBytes(StandardCharsets.UTF_8)))
                .contains(new RunConfig.Health(9464, Duration.ofSeconds(30)));
    }

    @Test
    void anInvalidHealthSectionOrNoJsonGivesNoHealthSection() {
        assertThat(CollectorConfigParser.healthSectionOf("{\"health\": {\"port\": 70000}}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(CollectorConfigParser.healthSectionOf("{\"health\": ".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(CollectorConfigParser.healthSectionOf("[]".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void ignoresUnknownFieldsInTheFileAndInAPolicySection() throws ConfigException {
        RunConfig config = CollectorConfigParser.parse("{\"futureOption\": 1, \"policies\": [{\"name\": \"p\", \"futureSection\": {\"x\": 1}, "
                + "\"export\": {" + MINIMAL_BACKENDS + "}}]}");

        assertThat(config.policies()).extracting(PolicyConfig::name).containsExactly("p");
    }

    @Test
    void aWrongPolicySectionCostsOnlyThatPolicy() throws ConfigException {
        RunConfig config = CollectorConfigParser.parse("{\"policies\": ["
                + "{\"name\": \"good\", \"export\": {" + MINIMAL_BACKENDS + "}},"
                + "{\"name\": \"bad\", \"export\": {\"backends\": []}}]}");

        assertThat(config.policies()).extracting(PolicyConfig::name).containsExactly("good");
        assertThat(config.invalidPolicies()).containsExactly(new RunConfig.InvalidPolicy("bad",
                "collector.json: policies[1].export.backends: required: at least one backend"));
    }

    @Test
    void duplicatePolicyNamesAreRefused() {
        String section = "{\"name\": \"p\", \"export\": {" + MINIMAL_BACKENDS + "}}";

        assertThatThrownBy(() -> CollectorConfigParser.parse("{\"policies\": [" + section + ", " + section + "]}"))
                .hasMessage("collector.json: policies[1].name: duplicate policy name \"p\"");
    }

    @Test
    void aPolicyNameThatIsNoKubernetesNameIsRefused() {
        assertThatThrownBy(() -> CollectorConfigParser.parse(onePolicy("{\"name\": \"../x\", \"export\": {" + MINIMAL_BACKENDS + "}}")))
                .hasMessageStartingWith("collector.json: policies[0].name: must be a Kubernetes object name");
    }

    @Test
    void eachPolicySpoolsUnderItsOwnDirectory() throws ConfigException {
        RunConfig config = CollectorConfigParser.parse("{\"spool\": {\"directory\": \"/spool\"}, \"policies\": ["
                + "{\"name\": \"a\", \"export\": {" + MINIMAL_BACKENDS + "}}, {\"name\": \"b\", \"export\": {" + MINIMAL_BACKENDS + "}}]}");

        assertThat(config.policies()).extracting(p -> p.export().spool().directory())
                .containsExactly(Path.of("/spool/a"), Path.of("/spool/b"));
    }

    @Test
    void aTolerationWithAnUnknownOperatorNamesTheField() throws ConfigException {
        assertThat(policyError(onePolicy("{\"name\": \"p\", \"nodes\": {\"tolerations\": [{\"operator\": \"Maybe\"}]}, "
                + "\"export\": {" + MINIMAL_BACKENDS + "}}")))
                .isEqualTo("collector.json: policies[0].nodes.tolerations[0].operator: must be Equal or Exists, was \"Maybe\"");
    }

    @Test
    void aMissingBackendAddressNamesTheField() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"address\": \"parca.monitoring:7070\", ", "");

        assertThat(policyError(json)).isEqualTo("collector.json: policies[0].export.backends[1].parca.address: required");
    }

    @Test
    void aMalformedParcaAddressNamesTheFieldAndTheValue() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("parca.monitoring:7070", "parca.monitoring");

        assertThat(policyError(json))
                .isEqualTo("collector.json: policies[0].export.backends[1].parca.address: must be host:port, e.g. parca.monitoring:7070, was \"parca.monitoring\"");
    }

    @Test
    void aPyroscopeUrlWithoutHttpSchemeIsRefused() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("http://pyroscope.monitoring:4040", "pyroscope.monitoring:4040");

        assertThat(policyError(json)).startsWith("collector.json: policies[0].export.backends[0].pyroscope.url: must be an http:// or https:// URL");
    }

    @Test
    void aBackendWithTwoKindsIsRefused() throws ConfigException {
        String json = onePolicy("{\"name\": \"p\", \"export\": {\"backends\": [{\"name\": \"b\", \"parca\": {\"address\": \"a:1\"},"
                + " \"otlp\": {\"endpoint\": \"http://o:4318\"}}]}}");

        assertThat(policyError(json))
                .isEqualTo("collector.json: policies[0].export.backends[0]: must name exactly one of pyroscope, parca, otlp, directory, found parca and otlp");
    }

    @Test
    void duplicateBackendNamesAreRefused() throws ConfigException {
        String json = onePolicy("{\"name\": \"p\", \"export\": {\"backends\": [{\"name\": \"b\", \"parca\": {\"address\": \"a:1\"}},"
                + " {\"name\": \"b\", \"directory\": {\"path\": \"/tmp/x\"}}]}}");

        assertThat(policyError(json)).isEqualTo("collector.json: policies[0].export.backends[1].name: duplicate backend name \"b\"");
    }

    @Test
    void aBackendNameThatIsNoSafeDirectoryNameIsRefused() throws ConfigException {
        String json = onePolicy("{\"name\": \"p\", \"export\": {\"backends\": [{\"name\": \"../etc\", \"parca\": {\"address\": \"a:1\"}}]}}");

        assertThat(policyError(json)).startsWith("collector.json: policies[0].export.backends[0].name: must be a DNS label");
    }

    @Test
    void noBackendsIsAnError() throws ConfigException {
        assertThat(policyError(onePolicy("{\"name\": \"p\", \"export\": {\"backends\": []}}")))
                .isEqualTo("collector.json: policies[0].export.backends: required: at least one backend");
    }

    @Test
    void aFrequencyOutOfRangeNamesTheBounds() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": 5000");

        assertThat(policyError(json)).isEqualTo("collector.json: policies[0].sampling.frequencyHz: must be between 1 and 1000, was 5000");
    }

    @Test
    void aWrongTypeNamesTheField() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"hostProcesses\": false", "\"hostProcesses\": \"no\"");

        assertThat(policyError(json)).isEqualTo("collector.json: policies[0].targets.hostProcesses: must be true or false");
    }

    @Test
    void anUnknownSelectorOperatorNamesTheExpression() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"operator\": \"In\"", "\"operator\": \"Like\"");

        assertThat(policyError(json))
                .isEqualTo("collector.json: policies[0].targets.podSelector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist, was \"Like\"");
    }

    @Test
    void inWithoutValuesIsRefused() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"values\": [\"api\"]", "\"values\": []");

        assertThat(policyError(json))
                .isEqualTo("collector.json: policies[0].targets.podSelector.matchExpressions[0].values: must not be empty for operator In");
    }

    @Test
    void brokenJsonNamesLineAndColumn() {
        assertThatThrownBy(() -> CollectorConfigParser.parse("{\n  \"policies\": [],,\n}"))
                .hasMessageStartingWith("collector.json: not valid JSON at line 2, column 18");
    }

    @Test
    void brokenJsonNamesTheFieldItIsIn() {
        String json = CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": 019");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessageContaining("(in policies[0].sampling.frequencyHz): a number must not have a leading zero");
    }

    @Test
    void aFractionWhereAWholeNumberBelongsNamesFieldAndValue() throws ConfigException {
        String json = CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": 19.5");

        assertThat(policyError(json)).isEqualTo("collector.json: policies[0].sampling.frequencyHz: must be a whole number, was 19.5");
    }

    @Test
    void aPolicySectionWithoutANameFailsTheFile() {
        assertThatThrownBy(() -> CollectorConfigParser.parse(onePolicy("{\"export\": {" + MINIMAL_BACKENDS + "}}")))
                .hasMessage("collector.json: policies[0].name: required");
    }

    @Test
    void aMissingFileNamesThePath() {
        assertThatThrownBy(() -> CollectorConfigParser.read(Path.of("/nonexistent/collector.json")))
                .hasMessageStartingWith("collector.json: /nonexistent/collector.json does not exist");
    }
}
