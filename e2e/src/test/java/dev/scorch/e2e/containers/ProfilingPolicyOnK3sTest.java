package dev.scorch.e2e.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cluster.Kubectl;
import dev.scorch.e2e.cluster.PolicyStatus;
import dev.scorch.testenv.LoopbackPorts;
import dev.scorch.testenv.TestBinaries;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Tier 6 (docs/architecture.md, "Test tiers"): the tier-5 scenario's core in a real single-node
 * Kubernetes (K3s in Testcontainers) with the images built from the project's Containerfiles: a real kubelet and
 * containerd run the operator, the collector DaemonSet and the workloads, and a real Parca
 * (its published image) receives the profiles. It needs Docker; without it the test is skipped
 * with the reason (the only tier allowed to skip).
 */
class ProfilingPolicyOnK3sTest {

    private static final String K3S_IMAGE = "rancher/k3s:v1.33.5-k3s1";
    private static final String PARCA_IMAGE = "ghcr.io/parca-dev/parca:v0.28.0";
    private static final String OPERATOR_IMAGE = "scorch.local/scorch-operator:e2e";
    private static final String COLLECTOR_IMAGE = "scorch.local/scorch-collector:e2e";
    private static final String CHECKOUT_IMAGE = "scorch.local/checkout-api:e2e";
    private static final String BILLING_IMAGE = "scorch.local/invoice-batch:e2e";
    private static final Duration GENEROUS = Duration.ofMinutes(5);

    @TempDir
    Path work;

    @Test
    void aPolicyInK3sProfilesTheSelectedPodIntoParcaAndReportsReady() throws Exception {
        Tier.CONTAINERS.require(dockerAvailable(),
                "no Docker daemon reachable by Testcontainers; tier 6 runs this scenario in K3s with the built images where Docker exists");
        Path repository = Path.of(System.getProperty("scorch.repository.root", "..")).toAbsolutePath().normalize();
        buildImage(OPERATOR_IMAGE, repository.resolve("operator"), containerfile(repository.resolve("operator")), Map.of());
        // The collector's Containerfile builds from the whole repository (it runs the Maven build itself).
        buildImage(COLLECTOR_IMAGE, repository, containerfile(repository.resolve("collector-image")), Map.of());
        Path workload = workloadContext();
        buildImage(CHECKOUT_IMAGE, workload, workload.resolve("Containerfile"), Map.of("HOT_FUNCTION", "checkout_api_hot"));
        buildImage(BILLING_IMAGE, workload, workload.resolve("Containerfile"), Map.of("HOT_FUNCTION", "invoice_batch_hot"));

        try (K3sContainer k3s = new K3sContainer(DockerImageName.parse(K3S_IMAGE))) {
            k3s.start();
            for (String image : List.of(OPERATOR_IMAGE, COLLECTOR_IMAGE, CHECKOUT_IMAGE, BILLING_IMAGE)) {
                importImage(k3s, image);
            }
            Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), k3s.getKubeConfigYaml());
            Kubectl kubectl = new Kubectl(TestBinaries.fromEnvironment().kubectl(), kubeconfig);
            try (KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build()) {
                kubectl.run("apply", "-k", repository.resolve("deploy").toString());
                String operatorDeployment = client.apps().deployments().inNamespace("scorch-system").list().getItems()
                        .getFirst().getMetadata().getName();
                kubectl.run("-n", "scorch-system", "set", "image", "deployment/" + operatorDeployment, "*=" + OPERATOR_IMAGE);
                kubectl.run("-n", "scorch-system", "patch", "deployment", operatorDeployment, "--type=json", "-p",
                        "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/imagePullPolicy\",\"value\":\"Never\"}]");
                kubectl.runWithInput(parcaManifests(), "apply", "-f", "-");
                kubectl.runWithInput(workloadManifests(), "apply", "-f", "-");
                kubectl.run("-n", "scorch-system", "rollout", "status", "deployment/" + operatorDeployment, "--timeout=300s");
                kubectl.run("-n", "monitoring", "rollout", "status", "deployment/parca", "--timeout=300s");

                GenericKubernetesResource policy = Serialization.unmarshal(
                        Files.readString(repository.resolve("examples/minimal-parca.yaml")), GenericKubernetesResource.class);
                @SuppressWarnings("unchecked")
                Map<String, Object> spec = (Map<String, Object>) policy.getAdditionalProperties().get("spec");
                spec.put("targets", Map.of("namespaceSelector", Map.of("matchLabels", Map.of("team", "checkout"))));
                spec.put("collector", Map.of("image", COLLECTOR_IMAGE));
                @SuppressWarnings("unchecked")
                Map<String, Object> export = (Map<String, Object>) spec.get("export");
                export.put("interval", "5s");
                Instant applied = Instant.now();
                kubectl.runWithInput(Serialization.asYaml(policy), "apply", "-f", "-");

                int localPort = LoopbackPorts.free();
                Process portForward = new ProcessBuilder(TestBinaries.fromEnvironment().kubectl().toString(),
                        "--kubeconfig=" + kubeconfig, "-n", "monitoring", "port-forward", "service/parca", localPort + ":7070")
                        .redirectErrorStream(true).redirectOutput(work.resolve("port-forward.log").toFile()).start();
                try {
                    URI parca = URI.create("http://127.0.0.1:" + localPort);
                    await("the checkout pod's profiles reach Parca in K3s").atMost(GENEROUS).pollInterval(Duration.ofSeconds(2))
                            .ignoreExceptions()
                            .until(() -> labelValues(parca, "namespace").contains("shop"));
                    System.out.printf("e2e (k3s) timing: policy applied -> first profile at Parca: %.1f s%n",
                            Duration.between(applied, Instant.now()).toMillis() / 1000.0);
                    assertThat(labelValues(parca, "namespace")).doesNotContain("billing");
                    assertThat(labelValues(parca, "service_name")).contains("shop/checkout-api");
                    await("the policy reports Ready").atMost(GENEROUS).until(() -> PolicyStatus.of(
                            client.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy")
                                    .withName(policy.getMetadata().getName()).get()).conditionIs("Ready", "True"));
                } finally {
                    portForward.destroy();
                }
            }
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Path containerfile(Path module) {
        for (String name : List.of("Containerfile", "src/main/docker/Containerfile", "Dockerfile")) {
            if (Files.isRegularFile(module.resolve(name))) {
                return module.resolve(name);
            }
        }
        throw new IllegalStateException("no Containerfile in " + module + ": tier 6 builds the real images from it");
    }

    private Path workloadContext() throws Exception {
        Path context = Files.createDirectories(work.resolve("hot-loop"));
        for (String[] file : List.of(new String[] {"/dev/scorch/e2e/workload/hot-loop.c", "hot-loop.c"},
                new String[] {"/dev/scorch/e2e/containers/Containerfile.hot-loop", "Containerfile"})) {
            try (InputStream in = ProfilingPolicyOnK3sTest.class.getResourceAsStream(file[0])) {
                Files.copy(in, context.resolve(file[1]), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return context;
    }

    private static void buildImage(String tag, Path context, Path containerfile, Map<String, String> buildArgs) {
        ImageFromDockerfile image = new ImageFromDockerfile(tag, false)
                .withFileFromPath(".", context)
                .withDockerfile(containerfile);
        buildArgs.forEach(image::withBuildArg);
        image.get();
    }

    private void importImage(K3sContainer k3s, String image) throws Exception {
        Path tar = work.resolve(image.replaceAll("[^A-Za-z0-9]", "_") + ".tar");
        try (InputStream saved = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
            Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
        }
        k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
        var result = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
        if (result.getExitCode() != 0) {
            throw new IllegalStateException("importing " + image + " into K3s failed: " + result.getStderr());
        }
    }

    private static List<String> labelValues(URI parca, String label) throws Exception {
        Instant now = Instant.now();
        String query = "profileType=" + java.net.URLEncoder.encode("process_cpu:samples:count:cpu:nanoseconds:delta", StandardCharsets.UTF_8)
                + "&start=" + now.minus(Duration.ofHours(1)) + "&end=" + now.plus(Duration.ofHours(1));
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(parca.resolve("/profiles/labels/" + label + "/values?" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<?, ?> answer = Serialization.unmarshal(response.body(), Map.class);
        Object values = answer.get("labelValues");
        return values instanceof List<?> list ? list.stream().map(Object::toString).toList() : List.of();
    }

    private static String parcaManifests() {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: monitoring}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: parca, namespace: monitoring}
                data:
                  parca.yaml: |
                    object_storage:
                      bucket: {type: FILESYSTEM, config: {directory: /tmp/parca-bucket}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: parca, namespace: monitoring}
                spec:
                  selector: {matchLabels: {app: parca}}
                  template:
                    metadata: {labels: {app: parca}}
                    spec:
                      containers:
                      - name: parca
                        image: %s
                        args: ["--config-path=/etc/parca/parca.yaml", "--http-address=:7070", "--storage-active-memory=67108864"]
                        ports: [{containerPort: 7070, name: http}]
                        readinessProbe: {httpGet: {path: /profiles/types, port: 7070}}
                        volumeMounts: [{name: config, mountPath: /etc/parca}]
                      volumes: [{name: config, configMap: {name: parca}}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: parca, namespace: monitoring}
                spec:
                  selector: {app: parca}
                  ports: [{port: 7070, targetPort: 7070, name: grpc}]
                """.formatted(PARCA_IMAGE);
    }

    private static String workloadManifests() {
        StringBuilder manifests = new StringBuilder();
        for (String[] w : List.of(new String[] {"shop", "checkout", "checkout-api", "api", CHECKOUT_IMAGE},
                new String[] {"billing", "billing", "invoice-batch", "worker", BILLING_IMAGE})) {
            manifests.append("""
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: %1$s, labels: {team: %2$s}}
                    ---
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: %3$s, namespace: %1$s}
                    spec:
                      selector: {matchLabels: {app: %4$s}}
                      template:
                        metadata: {labels: {app: %4$s}}
                        spec:
                          containers:
                          - {name: %4$s, image: "%5$s", imagePullPolicy: Never}
                    ---
                    """.formatted(w[0], w[1], w[2], w[3], w[4]));
        }
        return manifests.toString();
    }
}
