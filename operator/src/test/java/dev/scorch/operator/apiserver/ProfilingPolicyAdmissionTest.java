package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tier 3: the API server itself accepts every example and refuses bad policies naming the field. */
class ProfilingPolicyAdmissionTest {
    private static KubernetesClient client;

    @BeforeAll
    static void connect() {
        client = TestApiServer.controlPlane().adminClient();
    }

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "examples"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleIsAccepted(Path example) {
        ProfilingPolicy policy = client.resources(ProfilingPolicy.class).load(example.toFile()).item();
        policy.getMetadata().setName("example-" + policy.getMetadata().getName());
        try {
            ProfilingPolicy created = client.resource(policy).create();
            assertThat(created.getSpec().export().backends()).isNotEmpty();
        } finally {
            client.resource(policy).delete();
        }
    }

    static List<Arguments> invalidPolicies() {
        String parca = "{name: parca, parca: {address: 'parca:7070', insecure: true}}";
        return List.of(
                Arguments.of("no backends", "export: {backends: []}", "spec.export.backends"),
                Arguments.of("no export", "sampling: {frequencyHz: 19}", "spec.export"),
                Arguments.of("frequency 0", "sampling: {frequencyHz: 0}\nexport: {backends: [" + parca + "]}",
                        "spec.sampling.frequencyHz"),
                Arguments.of("frequency 1001", "sampling: {frequencyHz: 1001}\nexport: {backends: [" + parca + "]}",
                        "spec.sampling.frequencyHz"),
                Arguments.of("interval 4s", "export: {interval: 4s, backends: [" + parca + "]}",
                        "export.interval must be a duration from 5s to 5m"),
                Arguments.of("interval 6m", "export: {interval: 6m, backends: [" + parca + "]}",
                        "export.interval must be a duration from 5s to 5m"),
                Arguments.of("interval not a duration", "export: {interval: often, backends: [" + parca + "]}",
                        "spec.export.interval"),
                Arguments.of("unknown security mode",
                        "collector: {securityMode: root}\nexport: {backends: [" + parca + "]}",
                        "spec.collector.securityMode"),
                Arguments.of("two kinds in one backend",
                        "export: {backends: [{name: x, parca: {address: 'p:7070'}, otlp: {endpoint: 'http://o:4318'}}]}",
                        "exactly one of pyroscope, parca or otlp"),
                Arguments.of("no kind in a backend", "export: {backends: [{name: x}]}",
                        "exactly one of pyroscope, parca or otlp"),
                Arguments.of("duplicate backend names", "export: {backends: [" + parca + ", " + parca + "]}",
                        "export.backends names must be unique"),
                Arguments.of("backend name not a DNS label",
                        "export: {backends: [{name: My_Backend, parca: {address: 'p:7070'}}]}",
                        "spec.export.backends[0].name"),
                Arguments.of("pyroscope url without scheme",
                        "export: {backends: [{name: g, pyroscope: {url: 'pyroscope:4040'}}]}",
                        "pyroscope.url must be an http or https URL"),
                Arguments.of("otlp endpoint ftp",
                        "export: {backends: [{name: o, otlp: {endpoint: 'ftp://otel:4318'}}]}",
                        "otlp.endpoint must be an http or https URL"),
                Arguments.of("parca address without port",
                        "export: {backends: [{name: p, parca: {address: 'parca.monitoring'}}]}",
                        "spec.export.backends[0].parca.address"),
                Arguments.of("parca port out of range",
                        "export: {backends: [{name: p, parca: {address: 'parca:70000'}}]}",
                        "parca.address must end in a port from 1 to 65535"),
                Arguments.of("authorization header",
                        "export: {backends: [{name: o, otlp: {endpoint: 'http://o:4318', headers: {Authorization: x}}}]}",
                        "otlp.headers names must be HTTP header names other than Authorization"),
                Arguments.of("basic and bearer auth together",
                        "export: {backends: [{name: g, pyroscope: {url: 'http://p:4040', basicAuthSecretRef: {name: a},"
                                + " bearerTokenSecretRef: {name: b, key: t}}}]}",
                        "set basicAuthSecretRef or bearerTokenSecretRef, not both"),
                Arguments.of("label key with dash",
                        "export: {labels: {team-name: a}, backends: [" + parca + "]}",
                        "export.labels keys must be Prometheus label names"),
                Arguments.of("label key with __ prefix",
                        "export: {labels: {__name__: a}, backends: [" + parca + "]}",
                        "export.labels keys must be Prometheus label names"),
                Arguments.of("label overriding a target label",
                        "export: {labels: {pod: a}, backends: [" + parca + "]}",
                        "export.labels may not set service_name, namespace, pod, container or node"),
                Arguments.of("empty label value", "export: {labels: {cluster: ''}, backends: [" + parca + "]}",
                        "spec.export.labels.cluster"),
                Arguments.of("spool too small", "export: {spool: {maxBytes: 1Mi}, backends: [" + parca + "]}",
                        "export.spool.maxBytes must be a quantity from 16Mi to 64Gi"),
                Arguments.of("secret name with capitals",
                        "export: {backends: [{name: p, parca: {address: 'p:7070', bearerTokenSecretRef: {name: Tok, key: t}}}]}",
                        "spec.export.backends[0].parca.bearerTokenSecretRef.name"),
                Arguments.of("unknown pull type", "pull: {types: [heap, cpu]}\nexport: {backends: [" + parca + "]}",
                        "pull.types must be among heap, allocs, goroutine"),
                Arguments.of("repeated pull type", "pull: {types: [heap, heap]}\nexport: {backends: [" + parca + "]}",
                        "pull.types must not repeat a type"),
                Arguments.of("pull interval 1s", "pull: {interval: 1s}\nexport: {backends: [" + parca + "]}",
                        "pull.interval must be a duration from 5s to 5m"),
                Arguments.of("pull timeout as long as the interval", "pull: {interval: 10s, timeout: 10s}\nexport: {backends: [" + parca + "]}",
                        "pull.timeout must be shorter than pull.interval"),
                Arguments.of("pull timeout 2m", "pull: {interval: 5m, timeout: 2m}\nexport: {backends: [" + parca + "]}",
                        "pull.timeout must be a duration from 1s to 60s"),
                Arguments.of("pull response cap 1Gi", "pull: {maxProfileBytes: 1Gi}\nexport: {backends: [" + parca + "]}",
                        "pull.maxProfileBytes must be a quantity from 64Ki to 256Mi"),
                Arguments.of("pull concurrency 0", "pull: {maxConcurrent: 0}\nexport: {backends: [" + parca + "]}",
                        "spec.pull.maxConcurrent"),
                Arguments.of("triggers without rules", "triggers: {rules: []}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.rules"),
                Arguments.of("trigger metric disk", "triggers: {rules: [{metric: disk, absolute: {above: '1'}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.rules[].metric must be cpu, memory or goroutines"),
                Arguments.of("trigger rule with both thresholds",
                        "triggers: {rules: [{metric: cpu, absolute: {above: '2'}, relative: {min: '1', diffPercent: 50, abs: '3'}}]}\nexport: {backends: [" + parca + "]}",
                        "exactly one of absolute or relative must be set in each rule"),
                Arguments.of("trigger rule without a threshold", "triggers: {rules: [{metric: cpu}]}\nexport: {backends: [" + parca + "]}",
                        "exactly one of absolute or relative must be set in each rule"),
                Arguments.of("absolute with above and percentOfLimit",
                        "triggers: {rules: [{metric: memory, absolute: {above: 1Gi, percentOfLimit: 80}}]}\nexport: {backends: [" + parca + "]}",
                        "exactly one of above or percentOfLimit must be set"),
                Arguments.of("absolute above 0", "triggers: {rules: [{metric: cpu, absolute: {above: '0'}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.rules[].absolute.above must be a quantity above 0"),
                Arguments.of("percentOfLimit 150", "triggers: {rules: [{metric: memory, absolute: {percentOfLimit: 150}}]}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.rules[0].absolute.percentOfLimit"),
                Arguments.of("goroutines as a share of a limit",
                        "pull: {}\ntriggers: {rules: [{metric: goroutines, absolute: {percentOfLimit: 50}}]}\nexport: {backends: [" + parca + "]}",
                        "a goroutines rule has no limit"),
                Arguments.of("goroutines rule without pull",
                        "triggers: {rules: [{metric: goroutines, absolute: {above: 10k}}]}\nexport: {backends: [" + parca + "]}",
                        "a goroutines rule needs spec.pull"),
                Arguments.of("threshold not a quantity",
                        "triggers: {rules: [{metric: memory, absolute: {above: lots}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.rules[].absolute.above must be a quantity above 0"),
                Arguments.of("relative abs below min",
                        "triggers: {rules: [{metric: cpu, relative: {min: '2', diffPercent: 50, abs: '1'}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.rules[].relative.abs must be at least relative.min"),
                Arguments.of("relative without diffPercent",
                        "triggers: {rules: [{metric: cpu, relative: {min: '1', abs: '2'}}]}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.rules[0].relative.diffPercent"),
                Arguments.of("cooldown 2d", "triggers: {rules: [{metric: cpu, absolute: {above: '2'}, cooldown: 48h}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.rules[].cooldown must be a duration from 0s to 24h"),
                Arguments.of("100 captures per hour", "triggers: {rules: [{metric: cpu, absolute: {above: '2'}, maxPerHour: 100}]}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.rules[0].maxPerHour"),
                Arguments.of("check interval 2m", "triggers: {checkInterval: 2m, rules: [{metric: cpu, absolute: {above: '2'}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.checkInterval must be a duration from 1s to 60s"),
                Arguments.of("capture of 5m", "triggers: {capture: {duration: 5m}, rules: [{metric: cpu, absolute: {above: '2'}}]}\nexport: {backends: [" + parca + "]}",
                        "triggers.capture.duration must be a duration from 1s to 60s"),
                Arguments.of("capture at 1000 Hz", "triggers: {capture: {frequencyHz: 1000}, rules: [{metric: cpu, absolute: {above: '2'}}]}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.capture.frequencyHz"),
                Arguments.of("five captures at once", "triggers: {capture: {maxConcurrent: 5}, rules: [{metric: cpu, absolute: {above: '2'}}]}\nexport: {backends: [" + parca + "]}",
                        "spec.triggers.capture.maxConcurrent"),
                Arguments.of("header value with a line break",
                        "export: {backends: [{name: o, otlp: {endpoint: 'http://o:4318', headers: {X-Team: \"a\\r\\nX-Evil: 1\"}}}]}",
                        "spec.export.backends[0].otlp.headers.X-Team"));
    }

    /** Kubernetes' own rules for the types a policy embeds: each refusal names the field and the rule. */
    static List<Arguments> invalidEmbeddedTypes() {
        String parca = "\nexport: {backends: [{name: parca, parca: {address: 'parca:7070', insecure: true}}]}";
        return List.of(
                Arguments.of("node selector operator Sometimes",
                        "nodes: {selector: {matchExpressions: [{key: zone, operator: Sometimes, values: [a]}]}}" + parca,
                        "spec.nodes.selector.matchExpressions[0].operator: Unsupported value: \"Sometimes\""),
                Arguments.of("pod selector operator Like",
                        "targets: {podSelector: {matchExpressions: [{key: app, operator: Like, values: [a]}]}}" + parca,
                        "spec.targets.podSelector.matchExpressions[0].operator: Unsupported value: \"Like\""),
                Arguments.of("Exists with values",
                        "targets: {namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: [a]}]}}" + parca,
                        "spec.targets.namespaceSelector.matchExpressions[0]: Invalid value: \"object\": operators In and"
                                + " NotIn need at least one value; Exists and DoesNotExist take none"),
                Arguments.of("In without values",
                        "nodes: {selector: {matchExpressions: [{key: zone, operator: In}]}}" + parca,
                        "spec.nodes.selector.matchExpressions[0]: Invalid value: \"object\": operators In and NotIn"),
                Arguments.of("selector key with a space",
                        "nodes: {selector: {matchExpressions: [{key: 'my zone', operator: Exists}]}}" + parca,
                        "spec.nodes.selector.matchExpressions[0].key"),
                Arguments.of("matchLabels key with two slashes",
                        "targets: {podSelector: {matchLabels: {'a/b/c': x}}}" + parca,
                        "spec.targets.podSelector.matchLabels: Invalid value: \"object\": every matchLabels key must be a label key"),
                Arguments.of("matchLabels value with a space",
                        "nodes: {selector: {matchLabels: {zone: 'eu west'}}}" + parca,
                        "spec.nodes.selector.matchLabels.zone"),
                Arguments.of("toleration operator Maybe",
                        "nodes: {tolerations: [{key: gpu, operator: Maybe}]}" + parca,
                        "spec.nodes.tolerations[0].operator: Unsupported value: \"Maybe\""),
                Arguments.of("toleration effect NoRun",
                        "nodes: {tolerations: [{key: gpu, operator: Exists, effect: NoRun}]}" + parca,
                        "spec.nodes.tolerations[0].effect: Unsupported value: \"NoRun\""),
                Arguments.of("toleration Exists with a value",
                        "nodes: {tolerations: [{key: gpu, operator: Exists, value: 'yes'}]}" + parca,
                        "spec.nodes.tolerations[0]: Invalid value: \"object\": operator Exists takes no value"),
                Arguments.of("toleration without key or Exists",
                        "nodes: {tolerations: [{operator: Equal, value: x}]}" + parca,
                        "spec.nodes.tolerations[0]: Invalid value: \"object\": an empty key needs operator Exists"),
                Arguments.of("tolerationSeconds without NoExecute",
                        "nodes: {tolerations: [{key: gpu, operator: Exists, effect: NoSchedule, tolerationSeconds: 30}]}" + parca,
                        "spec.nodes.tolerations[0]: Invalid value: \"object\": tolerationSeconds needs effect NoExecute"),
                Arguments.of("toleration key with a space",
                        "nodes: {tolerations: [{key: 'my taint', operator: Exists}]}" + parca,
                        "spec.nodes.tolerations[0].key"),
                Arguments.of("memory limit lots",
                        "collector: {resources: {limits: {memory: lots}}}" + parca,
                        "spec.collector.resources.limits.memory: Invalid value: \"lots\""),
                Arguments.of("cpu request -3",
                        "collector: {resources: {requests: {cpu: -3}}}" + parca,
                        "spec.collector.resources.requests.cpu: Invalid value: -3"),
                Arguments.of("unknown resource name",
                        "collector: {resources: {limits: {gpus: 1}}}" + parca,
                        "spec.collector.resources.limits: Invalid value: \"object\": limits keys must be cpu, memory"),
                Arguments.of("request above limit",
                        "collector: {resources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}}" + parca,
                        "spec.collector.resources: Invalid value: \"object\": requests may not exceed limits"),
                Arguments.of("resource claims",
                        "collector: {resources: {claims: [{name: gpu}]}}" + parca,
                        "spec.collector.resources.claims"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEmbeddedTypes")
    void invalidEmbeddedKubernetesTypeIsRefusedNamingTheField(String what, String specYaml, String expectedInMessage) {
        GenericKubernetesResource policy = policy("invalid-embedded", specYaml);
        assertThatThrownBy(() -> client.resource(policy).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining(expectedInMessage);
    }

    @org.junit.jupiter.api.Test
    void validEmbeddedKubernetesTypesAreAccepted() {
        GenericKubernetesResource policy = policy("valid-embedded", """
                nodes:
                  selector:
                    matchLabels: {topology.kubernetes.io/zone: eu-west-1a}
                    matchExpressions: [{key: node.kubernetes.io/instance-type, operator: NotIn, values: [t3.micro]},
                                       {key: gpu, operator: DoesNotExist}]
                  tolerations:
                    - {operator: Exists}
                    - {key: dedicated, operator: Equal, value: profiling, effect: NoSchedule}
                    - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
                targets:
                  podSelector: {matchLabels: {app.kubernetes.io/name: checkout}}
                collector:
                  resources: {requests: {cpu: 10m, memory: 64Mi}, limits: {cpu: 1, memory: 160Mi}}
                export: {backends: [{name: parca, parca: {address: 'parca:7070', insecure: true}}]}
                """);
        try {
            assertThat(client.resource(policy).create().getMetadata().getUid()).isNotBlank();
        } finally {
            client.resource(policy).delete();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPolicies")
    void invalidPolicyIsRefusedNamingTheField(String what, String specYaml, String expectedInMessage) {
        GenericKubernetesResource policy = policy("invalid", specYaml);
        assertThatThrownBy(() -> client.resource(policy).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining(expectedInMessage);
    }

    @ParameterizedTest
    @MethodSource("tooLongOrDottedNames")
    void policyNameMustLeaveRoomForTheDaemonSetName(String name) {
        GenericKubernetesResource policy = policy(name, "export: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
        assertThatThrownBy(() -> client.resource(policy).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("metadata.name must be a DNS label");
    }

    static List<String> tooLongOrDottedNames() {
        return List.of("a".repeat(57), "team.checkout");
    }

    @org.junit.jupiter.api.Test
    void schemaDefaultsAreApplied() {
        GenericKubernetesResource policy = policy("defaults", "export: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
        try {
            ProfilingPolicy created = client.resources(ProfilingPolicy.class)
                    .resource(Serialization.unmarshal(Serialization.asYaml(policy), ProfilingPolicy.class))
                    .create();
            GenericKubernetesResource raw = client.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy")
                    .withName("defaults").get();
            assertThat(raw.<Object>get("spec", "sampling", "frequencyHz")).isEqualTo(19);
            assertThat(raw.<Object>get("spec", "sampling", "kernelStacks")).isEqualTo(true);
            assertThat(raw.<Object>get("spec", "sampling", "jvmSymbols")).isEqualTo(true);
            assertThat(raw.<Object>get("spec", "export", "interval")).isEqualTo("15s");
            assertThat(raw.<Object>get("spec", "export", "spool", "maxBytes")).isEqualTo("256Mi");
            assertThat(raw.<Object>get("spec", "collector")).as("the ignored spec.collector gets no default").isNull();
            assertThat(raw.<Object>get("spec", "suspend")).isEqualTo(false);
            assertThat(created.getMetadata().getName()).isEqualTo("defaults");
        } finally {
            client.resource(policy).delete();
        }
    }

    @org.junit.jupiter.api.Test
    void pullAndTriggerDefaultsAreApplied() {
        GenericKubernetesResource policy = policy("pull-defaults", """
                pull: {}
                triggers: {rules: [{metric: cpu, relative: {min: 500m, diffPercent: 100, abs: '2'}}]}
                export: {backends: [{name: p, parca: {address: 'p:7070'}}]}
                """);
        try {
            client.resource(policy).create();
            GenericKubernetesResource raw = client.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy")
                    .withName("pull-defaults").get();
            assertThat(raw.<Object>get("spec", "pull", "interval")).isEqualTo("15s");
            assertThat(raw.<Object>get("spec", "pull", "timeout")).isEqualTo("10s");
            assertThat(raw.<Object>get("spec", "pull", "maxProfileBytes")).isEqualTo("32Mi");
            assertThat(raw.<Object>get("spec", "pull", "maxConcurrent")).isEqualTo(4);
            assertThat(raw.<Object>get("spec", "triggers", "checkInterval")).isEqualTo("10s");
            assertThat(raw.<Object>get("spec", "triggers", "capture", "duration")).isEqualTo("10s");
            assertThat(raw.<Object>get("spec", "triggers", "capture", "frequencyHz")).isEqualTo(199);
            assertThat(raw.<Object>get("spec", "triggers", "capture", "maxConcurrent")).isEqualTo(1);
            assertThat(raw.<Object>get("spec", "triggers", "rules", 0, "cooldown")).isEqualTo("5m");
            assertThat(raw.<Object>get("spec", "triggers", "rules", 0, "maxPerHour")).isEqualTo(6);
        } finally {
            client.resource(policy).delete();
        }
    }

    private static GenericKubernetesResource policy(String name, String specYaml) {
        String yaml = "apiVersion: scorch.dev/v1alpha1\nkind: ProfilingPolicy\nmetadata:\n  name: " + name
                + "\nspec:\n  " + specYaml.replace("\n", "\n  ") + "\n";
        return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    }
}
