package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** collector.json as docs/contracts.md specifies it. */
class CollectorConfigMapTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rendersEveryContractFieldOfAMultiBackendPolicy() throws Exception {
        JsonNode config = JSON.readTree(CollectorConfigMap.render(Policies.example("multi-backend.yaml")));

        assertThat(config.at("/policies/0/name").asText()).isEqualTo("fleet");
        assertThat(config.at("/policies/0/sampling/frequencyHz").asInt()).isEqualTo(19);
        assertThat(config.at("/policies/0/sampling/kernelStacks").asBoolean()).isTrue();
        assertThat(config.at("/policies/0/sampling/jvmSymbols").asBoolean()).isTrue();
        assertThat(config.at("/policies/0/targets/hostProcesses").asBoolean()).isTrue();
        assertThat(config.at("/policies/0/targets/namespaceSelector/matchLabels").isEmpty()).isTrue();
        assertThat(config.at("/policies/0/export/intervalSeconds").asInt()).isEqualTo(60);
        assertThat(config.at("/policies/0/export/labels/cluster").asText()).isEqualTo("prod-us-2");
        assertThat(config.at("/spool/directory").asText()).isEqualTo("/var/lib/scorch/spool");
        assertThat(config.at("/policies/0/nodes/tolerations/0/operator").asText()).isEqualTo("Exists");
        assertThat(config.at("/policies/0/export/spool/maxBytes").asLong()).isEqualTo(1L << 30);
        assertThat(config.at("/policies/0/export/backends/0/name").asText()).isEqualTo("grafana");
        assertThat(config.at("/policies/0/export/backends/0/pyroscope/url").asText()).isEqualTo("http://pyroscope.monitoring.svc:4040");
        assertThat(config.at("/policies/0/export/backends/0/pyroscope/basicAuth").isNull()).isTrue();
        assertThat(config.at("/policies/0/export/backends/0/pyroscope/tls/insecureSkipVerify").asBoolean()).isFalse();
        assertThat(config.at("/policies/0/export/backends/1/parca/address").asText()).isEqualTo("parca.monitoring.svc:7070");
        assertThat(config.at("/policies/0/export/backends/1/parca/insecure").asBoolean()).isTrue();
        assertThat(config.at("/policies/0/export/backends/2/otlp/endpoint").asText()).isEqualTo("http://otel-collector.monitoring.svc:4318");
        assertThat(config.at("/policies/0/export/backends/2/otlp/headers/X-Scope-OrgID").asText()).isEqualTo("fleet");
        assertThat(config.at("/health/port").asInt()).isEqualTo(8080);
        assertThat(config.at("/health/statusUpdateSeconds").asInt()).isEqualTo(120);
    }

    @Test
    void aPolicyThatOptsOutOfJvmSymbolsTellsItsCollectors() throws Exception {
        ProfilingPolicy policy = Policies.parse("no-jvm-attach", """
                sampling: {jvmSymbols: false}
                export:
                  backends: [{name: parca, parca: {address: 'parca:7070'}}]
                """);

        JsonNode config = JSON.readTree(CollectorConfigMap.render(policy));

        assertThat(config.at("/policies/0/sampling/jvmSymbols").isBoolean()).isTrue();
        assertThat(config.at("/policies/0/sampling/jvmSymbols").asBoolean()).isFalse();
    }

    @Test
    void pullAndTriggersAreRenderedInSecondsAndPlainNumbers() throws Exception {
        JsonNode policy = JSON.readTree(CollectorConfigMap.render(Policies.example("go-services-pull-and-triggers.yaml"))).at("/policies/0");

        assertThat(policy.at("/pull/types").toString()).isEqualTo("[\"heap\",\"allocs\",\"goroutine\",\"mutex\"]");
        assertThat(policy.at("/pull/intervalSeconds").asLong()).isEqualTo(15);
        assertThat(policy.at("/pull/timeoutSeconds").asLong()).isEqualTo(5);
        assertThat(policy.at("/pull/maxProfileBytes").asLong()).isEqualTo(16L << 20);
        assertThat(policy.at("/pull/maxConcurrent").asInt()).isEqualTo(4);
        assertThat(policy.at("/triggers/checkIntervalSeconds").asLong()).isEqualTo(10);
        assertThat(policy.at("/triggers/rules/0/metric").asText()).isEqualTo("cpu");
        assertThat(policy.at("/triggers/rules/0/relative/min").asDouble()).isEqualTo(0.5);
        assertThat(policy.at("/triggers/rules/0/relative/diffPercent").asDouble()).isEqualTo(100);
        assertThat(policy.at("/triggers/rules/0/relative/abs").asDouble()).isEqualTo(3);
        assertThat(policy.at("/triggers/rules/0/absolute").isMissingNode()).isTrue();
        assertThat(policy.at("/triggers/rules/0/cooldownSeconds").asLong()).isEqualTo(300);
        assertThat(policy.at("/triggers/rules/0/maxPerHour").asInt()).isEqualTo(4);
        assertThat(policy.at("/triggers/rules/1/absolute/above").asDouble()).isEqualTo(0.9);
        assertThat(policy.at("/triggers/rules/1/absolute/ofLimit").asBoolean()).isTrue();
        assertThat(policy.at("/triggers/rules/1/cooldownSeconds").asLong()).isEqualTo(600);
        assertThat(policy.at("/triggers/rules/2/relative/abs").asDouble()).isEqualTo(50_000);
        assertThat(policy.at("/triggers/capture/durationSeconds").asLong()).isEqualTo(10);
        assertThat(policy.at("/triggers/capture/frequencyHz").asInt()).isEqualTo(199);
        assertThat(policy.at("/triggers/capture/maxConcurrent").asInt()).isEqualTo(1);
    }

    @Test
    void aPolicyWithoutPullOrTriggersRendersThemAsNull() throws Exception {
        JsonNode policy = JSON.readTree(CollectorConfigMap.render(Policies.example("minimal-parca.yaml"))).at("/policies/0");

        assertThat(policy.get("pull").isNull()).isTrue();
        assertThat(policy.get("triggers").isNull()).isTrue();
    }

    @Test
    void secretsAppearOnlyAsFilePathsOfTheCredentialsSecretNamedByPolicyAndBackend() throws Exception {
        JsonNode config = JSON.readTree(CollectorConfigMap.render(Policies.example("pyroscope-tenant-basic-auth.yaml")));
        JsonNode pyroscope = config.at("/policies/0/export/backends/0/pyroscope");

        assertThat(pyroscope.at("/tenantId").asText()).isEqualTo("team-a");
        assertThat(pyroscope.at("/basicAuth/usernameFile").asText()).isEqualTo("/etc/scorch/secrets/team-a.grafana.username");
        assertThat(pyroscope.at("/basicAuth/passwordFile").asText()).isEqualTo("/etc/scorch/secrets/team-a.grafana.password");
        assertThat(pyroscope.at("/tls/caFile").asText()).isEqualTo("/etc/scorch/secrets/team-a.grafana.ca.crt");
        assertThat(pyroscope.get("bearerTokenFile").isNull()).isTrue();
    }

    @Test
    void selectorsKeepLabelsAndExpressions() throws Exception {
        JsonNode config = JSON.readTree(CollectorConfigMap.render(Policies.example("checkout-to-parca-with-token.yaml")));

        assertThat(config.at("/policies/0/targets/namespaceSelector/matchLabels/team").asText()).isEqualTo("checkout");
        assertThat(config.at("/policies/0/targets/podSelector/matchExpressions/0/key").asText()).isEqualTo("app");
        assertThat(config.at("/policies/0/targets/podSelector/matchExpressions/0/operator").asText()).isEqualTo("In");
        assertThat(config.at("/policies/0/targets/podSelector/matchExpressions/0/values").toString()).isEqualTo("[\"api\",\"worker\"]");
        assertThat(config.at("/policies/0/export/backends/0/parca/bearerTokenFile").asText())
                .isEqualTo("/etc/scorch/secrets/checkout-cpu.polarsignals.token");
    }

    @Test
    void renderingIsDeterministicWhateverTheMapOrder() {
        ProfilingPolicy one = Policies.parse("p", """
                export:
                  labels: {b: "2", a: "1", c: "3"}
                  backends: [{name: o, otlp: {endpoint: 'http://o:4318', headers: {Y: y, X: x}}}]
                """);
        ProfilingPolicy other = Policies.parse("p", """
                export:
                  labels: {c: "3", a: "1", b: "2"}
                  backends: [{name: o, otlp: {endpoint: 'http://o:4318', headers: {X: x, Y: y}}}]
                """);

        assertThat(CollectorConfigMap.render(one)).isEqualTo(CollectorConfigMap.render(other));
    }

    @Test
    void intervalDurationsBecomeSeconds() {
        assertThat(CollectorConfigMap.intervalSeconds("15s")).isEqualTo(15);
        assertThat(CollectorConfigMap.intervalSeconds("1m30s")).isEqualTo(90);
        assertThat(CollectorConfigMap.intervalSeconds("5m")).isEqualTo(300);
    }

    @Test
    void oneConfigMapHoldsEveryPolicySortedByNameAndIsOwnedByEachWithoutAController() throws Exception {
        ProfilingPolicy zeta = Policies.parse("zeta", "export: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
        zeta.getMetadata().setUid("uid-zeta");
        ConfigMap map = CollectorConfigMap.desired(List.of(zeta, Policies.example("minimal-parca.yaml")), Policies.SETTINGS);

        assertThat(map.getMetadata().getName()).isEqualTo("scorch-collector");
        assertThat(map.getMetadata().getNamespace()).isEqualTo("scorch-system");
        assertThat(map.getMetadata().getOwnerReferences()).extracting(o -> o.getName() + ":" + o.getController())
                .containsExactly("everything:false", "zeta:false");
        assertThat(map.getData()).containsOnlyKeys("collector.json");
        JsonNode sections = JSON.readTree(map.getData().get("collector.json")).path("policies");
        assertThat(List.of(sections.get(0).path("name").asText(), sections.get(1).path("name").asText()))
                .containsExactly("everything", "zeta");
        assertThat(map.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "scorch-operator")
                .doesNotContainKey("app.kubernetes.io/instance");
    }
}
