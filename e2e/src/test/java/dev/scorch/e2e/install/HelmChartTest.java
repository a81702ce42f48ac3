package dev.scorch.e2e.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.NodeArtifacts;
import dev.scorch.testenv.TestBinaries;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.math.BigDecimal;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart ({@code deploy/helm/scorch}) installs what {@code kubectl apply -k deploy/}
 * installs: with default values both render the same objects, field for field; the chart passes
 * {@code helm lint}; and {@code helm install} succeeds on a real API server.
 */
class HelmChartTest {

    private final Path repository = Path.of(System.getProperty("scorch.repository.root", "..")).toAbsolutePath().normalize();
    private final Path chart = repository.resolve("deploy/helm/scorch");

    @TempDir
    Path work;

    @Test
    void withDefaultValuesTheChartRendersExactlyTheObjectsOfDeploy() {
        Path helm = helm();
        Map<String, Object> fromChart = byIdentity(run(List.of(helm.toString(), "template", "scorch", chart.toString(), "--include-crds")));
        Map<String, Object> fromKustomize = byIdentity(run(List.of(TestBinaries.fromEnvironment().kubectl().toString(),
                "kustomize", repository.resolve("deploy").toString())));

        assertThat(fromChart.keySet()).containsExactlyInAnyOrderElementsOf(fromKustomize.keySet());
        fromKustomize.forEach((identity, object) -> assertThat(fromChart.get(identity)).as(identity).isEqualTo(object));
    }

    @Test
    void theChartPassesHelmLint() {
        String output = run(List.of(helm().toString(), "lint", "--strict", chart.toString()));
        assertThat(output).contains("0 chart(s) failed");
    }

    @Test
    void helmInstallsTheChartOnARealApiServerIntoTheNamespaceItIsGiven() {
        Path helm = helm();
        try (ControlPlane controlPlane = ControlPlane.start(ControlPlane.Options.apiServerOnly())) {
            run(List.of(helm.toString(), "install", "scorch", chart.toString(), "--kubeconfig", controlPlane.kubeconfig().toString(),
                    "--set", "namespace.name=profiling", "--set", "operator.replicas=2"));
            KubernetesClient client = controlPlane.adminClient();
            Deployment operator = client.apps().deployments().inNamespace("profiling").withName("scorch-operator").get();
            assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
            assertThat(client.rbac().roleBindings().inNamespace("profiling").withName("scorch-collector-status").get()
                    .getSubjects().getFirst().getNamespace()).isEqualTo("profiling");
            assertThat(client.apiextensions().v1().customResourceDefinitions().withName("profilingpolicies.scorch.dev").get()).isNotNull();
            assertThat(client.namespaces().withName("profiling").get().getMetadata().getLabels())
                    .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
        }
    }

    private Path helm() {
        Path helm = NodeArtifacts.fromEnvironment().helm();
        Tier.REAL_API_SERVER.require(Files.isExecutable(helm), "no helm at " + helm + ": run hack/node-binaries.sh (builds it from Go modules)");
        return helm;
    }

    /** Every object of a multi-document YAML stream, keyed by apiVersion, kind, namespace and name. */
    private static Map<String, Object> byIdentity(String yaml) {
        Map<String, Object> objects = new TreeMap<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            if (Serialization.unmarshal(document, Map.class) instanceof Map<?, ?> object) {
                Map<?, ?> metadata = (Map<?, ?>) object.get("metadata");
                objects.put(object.get("apiVersion") + " " + object.get("kind") + " " + metadata.get("namespace") + "/" + metadata.get("name"),
                        numbersByValue(object));
            }
        }
        return objects;
    }

    /** The same tree with every number as its value: kustomize writes the CRD's 1000.0 as 1000. */
    private static Object numbersByValue(Object node) {
        return switch (node) {
            case Map<?, ?> map -> map.entrySet().stream().collect(Collectors.toMap(e -> e.getKey(), e -> numbersByValue(e.getValue())));
            case List<?> list -> list.stream().map(HelmChartTest::numbersByValue).toList();
            case Number number -> new BigDecimal(number.toString()).stripTrailingZeros();
            case null, default -> node;
        };
    }

    private String run(List<String> command) {
        try {
            // stdout alone: helm warns on stderr (the CRD is a symbolic link), which is no YAML.
            Path output = work.resolve("command-" + System.nanoTime() + ".out");
            Path errors = work.resolve("command-" + System.nanoTime() + ".err");
            Process process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 120 s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "):\n" + text
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.getFirst(), e);
        }
    }
}
