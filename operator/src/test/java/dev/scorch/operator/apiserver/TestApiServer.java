package dev.scorch.operator.apiserver;

import dev.scorch.testenv.Tier;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One real etcd + kube-apiserver (RBAC on) per test JVM, started on first use from the binaries
 * hack/test-binaries.sh builds, with the committed CRD installed.
 */
public final class TestApiServer {
    static final String K8S_VERSION = "1.33.13";
    static final Path CRD = Path.of("..", "crds", "profilingpolicies.scorch.dev-v1.yml");

    private static KubeAPIServer server;
    private static String kubeConfigYaml;

    private TestApiServer() {}

    /** An admin client of the shared API server; skips (or fails, in CI) when binaries are missing. */
    public static synchronized KubernetesClient adminClient() {
        if (server == null) {
            start();
        }
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfigYaml)).build();
    }

    /** A client of the shared API server acting as the given user and groups (impersonation). */
    public static KubernetesClient clientAs(String user, String... groups) {
        adminClient().close();
        Config config = Config.fromKubeconfig(kubeConfigYaml);
        config.setImpersonateUsername(user);
        config.setImpersonateGroups(groups);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static void start() {
        Path root = binaryRoot();
        Tier.REAL_API_SERVER.require(
                Files.isExecutable(root.resolve("k8s/" + K8S_VERSION + "-linux-amd64/kube-apiserver")),
                "kube-apiserver " + K8S_VERSION + " not found under " + root + ": run hack/test-binaries.sh");
        KubeAPIServer started = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(root.toString())
                .withApiServerVersion(K8S_VERSION)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
        started.start();
        Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        server = started;
        kubeConfigYaml = started.getKubeConfigYaml();
        try (KubernetesClient client = adminClient()) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                    .load(CRD.toFile()).serverSideApply();
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                            .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
                            30, TimeUnit.SECONDS);
        }
    }

    private static Path binaryRoot() {
        String override = System.getenv("SCORCH_TEST_BIN_CACHE");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("scorch/test-binaries");
    }
}
