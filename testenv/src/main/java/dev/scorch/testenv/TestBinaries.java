package dev.scorch.testenv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where {@code hack/test-binaries.sh} put the binaries the test tiers run, and the guard that
 * skips (or, in CI, fails) a tier whose binaries are missing.
 *
 * <p>The cache root is {@code $SCORCH_TEST_BIN_CACHE} when set, else
 * {@code $XDG_CACHE_HOME/scorch/test-binaries}, else {@code ~/.cache/scorch/test-binaries}: the
 * same rule the script follows, so a test finds exactly what the script built.
 */
public final class TestBinaries {

    /** The Kubernetes release the script builds; the directory name carries it. */
    public static final String KUBERNETES_VERSION = "1.33.13";
    /** The kwok release the script installs as {@code tools/kwok-<version>}. */
    public static final String KWOK_VERSION = "v0.7.0";
    /** The Parca release the script installs as {@code tools/parca-<version>}. */
    public static final String PARCA_VERSION = "v0.28.0";

    private static final String HOW_TO_GET_THEM = "run hack/test-binaries.sh (builds them from Go modules"
            + " into the cache; set SCORCH_TEST_BIN_CACHE to use another directory)";

    private final Path root;

    private TestBinaries(Path root) {
        this.root = root;
    }

    /** The binaries in the cache directory chosen by the environment, as the script chooses it. */
    public static TestBinaries fromEnvironment() {
        String override = System.getenv("SCORCH_TEST_BIN_CACHE");
        if (override != null && !override.isBlank()) {
            return new TestBinaries(Path.of(override));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cacheHome = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return new TestBinaries(cacheHome.resolve("scorch").resolve("test-binaries"));
    }

    /** The binaries under an explicit cache root (for tools run outside the test environment). */
    public static TestBinaries at(Path root) {
        return new TestBinaries(root);
    }

    public Path root() {
        return root;
    }

    public Path kubernetesDirectory() {
        return root.resolve("k8s").resolve(KUBERNETES_VERSION + "-linux-amd64");
    }

    public Path etcd() {
        return kubernetesDirectory().resolve("etcd");
    }

    public Path kubeApiServer() {
        return kubernetesDirectory().resolve("kube-apiserver");
    }

    public Path kubeControllerManager() {
        return kubernetesDirectory().resolve("kube-controller-manager");
    }

    public Path kubeScheduler() {
        return kubernetesDirectory().resolve("kube-scheduler");
    }

    public Path kubectl() {
        return kubernetesDirectory().resolve("kubectl");
    }

    public Path kwok() {
        return root.resolve("tools").resolve("kwok-" + KWOK_VERSION);
    }

    public Path parca() {
        return root.resolve("tools").resolve("parca-" + PARCA_VERSION);
    }

    /** Binaries for tier 3: etcd and kube-apiserver (kubectl too, for tests that shell out to it). */
    public List<Path> apiServerBinaries() {
        return List.of(etcd(), kubeApiServer(), kubectl());
    }

    /** Binaries for tier 4: tier 3's plus the controller manager, the scheduler and kwok. */
    public List<Path> clusterSimulationBinaries() {
        return List.of(etcd(), kubeApiServer(), kubectl(), kubeControllerManager(), kubeScheduler(), kwok());
    }

    /**
     * Skips or fails the calling test, through {@code tier}'s guard, unless every one of
     * {@code binaries} is an executable file; the message names the missing ones and the script.
     */
    public void require(Tier tier, List<Path> binaries) {
        List<Path> missing = binaries.stream().filter(binary -> !Files.isExecutable(binary)).toList();
        tier.require(missing.isEmpty(), "missing "
                + missing.stream().map(Path::toString).collect(Collectors.joining(", "))
                + ": " + HOW_TO_GET_THEM);
    }
}
