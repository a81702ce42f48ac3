package dev.scorch.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.attribution.LabelSelector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CollectorConfigParserTest {

    /** The example of docs/contracts.md, verbatim. */
    static final String CONTRACT_EXAMPLE = """
            {
              "policy": "checkout-cpu",
              "sampling": { "frequencyHz": 19, "kernelStacks": true },
              "targets": {
                "namespaceSelector": { "matchLabels": {"team": "checkout"}, "matchExpressions": [] },
                "podSelector": { "matchLabels": {}, "matchExpressions": [{"key": "app", "operator": "In", "values": ["api"]}] },
                "hostProcesses": false
              },
              "export": {
                "intervalSeconds": 15,
                "labels": { "cluster": "prod-eu-1" },
                "spool": { "directory": "/var/lib/scorch/spool", "maxBytes": 268435456 },
                "backends": [
                  { "name": "grafana", "pyroscope": {
                      "url": "http://pyroscope.monitoring:4040", "tenantId": "team-a",
                      "basicAuth": { "usernameFile": "/etc/scorch/secrets/grafana/username",
                                     "passwordFile": "/etc/scorch/secrets/grafana/password" },
                      "bearerTokenFile": null,
                      "tls": { "caFile": null, "insecureSkipVerify": false } } },
                  { "name": "parca", "parca": {
                      "address": "parca.monitoring:7070", "insecure": true,
                      "bearerTokenFile": null, "tls": { "caFile": null, "insecureSkipVerify": false } } },
                  { "name": "otel", "otlp": {
                      "endpoint": "http://otel-collector.monitoring:4318",
                      "headers": {}, "bearerTokenFile": null, "tls": { "caFile": null, "insecureSkipVerify": false } } }
                ]
              },
              "health": { "port": 8080, "statusUpdateSeconds": 120 }
            }
            """;

    static final String MINIMAL_BACKENDS = """
            "backends": [{"name": "parca", "parca": {"address": "parca:7070"}}]""";

    @Test
    void readsTheContractExample() throws ConfigException {
        CollectorConfig config = CollectorConfigParser.parse(CONTRACT_EXAMPLE);

        assertThat(config.policy()).isEqualTo("checkout-cpu");
        assertThat(config.sampling()).isEqualTo(new CollectorConfig.Sampling(19, true));
        assertThat(config.targets().namespaceSelector().matchLabels()).containsExactly(Map.entry("team", "checkout"));
        assertThat(config.targets().podSelector().matchExpressions()).containsExactly(
                new LabelSelector.Requirement("app", LabelSelector.Operator.In, List.of("api")));
        assertThat(config.export().interval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.export().labels()).containsExactly(Map.entry("cluster", "prod-eu-1"));
        assertThat(config.export().spool()).isEqualTo(new CollectorConfig.Spool(Path.of("/var/lib/scorch/spool"), 268435456L));
        assertThat(config.export().backends()).containsExactly(
                new BackendConfig.Pyroscope("grafana", URI.create("http://pyroscope.monitoring:4040"), Optional.of("team-a"),
                        Optional.of(new BackendConfig.BasicAuth(Path.of("/etc/scorch/secrets/grafana/username"),
                                Path.of("/etc/scorch/secrets/grafana/password"))),
                        Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS),
                new BackendConfig.Parca("parca", "parca.monitoring:7070", true, Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS),
                new BackendConfig.Otlp("otel", URI.create("http://otel-collector.monitoring:4318"), Map.of(), Optional.empty(),
                        BackendConfig.Tls.SYSTEM_ROOTS));
        assertThat(config.health()).isEqualTo(new CollectorConfig.Health(8080, Duration.ofSeconds(120)));
    }

    @Test
    void absentTargetsMeanEveryPodAndNoHostProcesses() throws ConfigException {
        CollectorConfig config = CollectorConfigParser.parse("{\"policy\": \"p\", \"export\": {" + MINIMAL_BACKENDS + "}}");

        assertThat(config.targets()).isEqualTo(CollectorConfig.Targets.EVERY_POD);
        assertThat(config.sampling()).isEqualTo(new CollectorConfig.Sampling(19, true));
        assertThat(config.health().port()).isEqualTo(8080);
    }

    @Test
    void ignoresUnknownFields() throws ConfigException {
        CollectorConfig config = CollectorConfigParser.parse(
                "{\"policy\": \"p\", \"futureOption\": {\"x\": 1}, \"export\": {" + MINIMAL_BACKENDS + "}}");

        assertThat(config.policy()).isEqualTo("p");
    }

    @Test
    void aMissingBackendAddressNamesTheField() {
        String json = CONTRACT_EXAMPLE.replace("\"address\": \"parca.monitoring:7070\", ", "");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .isInstanceOf(ConfigException.class)
                .hasMessage("collector.json: export.backends[1].parca.address: required");
    }

    @Test
    void aMalformedParcaAddressNamesTheFieldAndTheValue() {
        String json = CONTRACT_EXAMPLE.replace("parca.monitoring:7070", "parca.monitoring");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: export.backends[1].parca.address: must be host:port, e.g. parca.monitoring:7070, was \"parca.monitoring\"");
    }

    @Test
    void aPyroscopeUrlWithoutHttpSchemeIsRefused() {
        String json = CONTRACT_EXAMPLE.replace("http://pyroscope.monitoring:4040", "pyroscope.monitoring:4040");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessageStartingWith("collector.json: export.backends[0].pyroscope.url: must be an http:// or https:// URL");
    }

    @Test
    void aBackendWithTwoKindsIsRefused() {
        String json = "{\"policy\": \"p\", \"export\": {\"backends\": [{\"name\": \"b\", \"parca\": {\"address\": \"a:1\"},"
                + " \"otlp\": {\"endpoint\": \"http://o:4318\"}}]}}";

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: export.backends[0]: must name exactly one of pyroscope, parca, otlp, directory, found parca and otlp");
    }

    @Test
    void duplicateBackendNamesAreRefused() {
        String json = "{\"policy\": \"p\", \"export\": {\"backends\": [{\"name\": \"b\", \"parca\": {\"address\": \"a:1\"}},"
                + " {\"name\": \"b\", \"directory\": {\"path\": \"/tmp/x\"}}]}}";

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: export.backends[1].name: duplicate backend name \"b\"");
    }

    @Test
    void aBackendNameThatIsNoSafeDirectoryNameIsRefused() {
        String json = "{\"policy\": \"p\", \"export\": {\"backends\": [{\"name\": \"../etc\", \"parca\": {\"address\": \"a:1\"}}]}}";

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessageStartingWith("collector.json: export.backends[0].name: must be a DNS label");
    }

    @Test
    void noBackendsIsAnError() {
        assertThatThrownBy(() -> CollectorConfigParser.parse("{\"policy\": \"p\", \"export\": {\"backends\": []}}"))
                .hasMessage("collector.json: export.backends: required: at least one backend");
    }

    @Test
    void aFrequencyOutOfRangeNamesTheBounds() {
        String json = CONTRACT_EXAMPLE.replace("\"frequencyHz\": 19", "\"frequencyHz\": 5000");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: sampling.frequencyHz: must be between 1 and 1000, was 5000");
    }

    @Test
    void aWrongTypeNamesTheField() {
        String json = CONTRACT_EXAMPLE.replace("\"hostProcesses\": false", "\"hostProcesses\": \"no\"");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: targets.hostProcesses: must be true or false");
    }

    @Test
    void anUnknownSelectorOperatorNamesTheExpression() {
        String json = CONTRACT_EXAMPLE.replace("\"operator\": \"In\"", "\"operator\": \"Like\"");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: targets.podSelector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist, was \"Like\"");
    }

    @Test
    void inWithoutValuesIsRefused() {
        String json = CONTRACT_EXAMPLE.replace("\"values\": [\"api\"]", "\"values\": []");

        assertThatThrownBy(() -> CollectorConfigParser.parse(json))
                .hasMessage("collector.json: targets.podSelector.matchExpressions[0].values: must not be empty for operator In");
    }

    @Test
    void brokenJsonNamesLineAndColumn() {
        assertThatThrownBy(() -> CollectorConfigParser.parse("{\n  \"policy\": \"p\",,\n}"))
                .hasMessageStartingWith("collector.json: not valid JSON at line 2, column 17");
    }

    @Test
    void aMissingPolicyIsAnError() {
        assertThatThrownBy(() -> CollectorConfigParser.parse("{\"export\": {" + MINIMAL_BACKENDS + "}}"))
                .hasMessage("collector.json: policy: required");
    }

    @Test
    void aMissingFileNamesThePath() {
        assertThatThrownBy(() -> CollectorConfigParser.read(Path.of("/nonexistent/collector.json")))
                .hasMessageStartingWith("collector.json: /nonexistent/collector.json does not exist");
    }
}
