package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code hack/node-provision.sh} leaves under {@code ~/.cache/scorch} for tier 6 (same
 * {@code XDG_CACHE_HOME} rule as the scripts): the kubelet, kube-proxy and helm
 * ({@code node-binaries/}), and the image archives with {@code images.env} naming their references
 * ({@code images/}). containerd, runc and the CNI plugins are Debian packages.
 */
public record NodeArtifacts(Path cache) {

    /** The Kubernetes release of the kubelet and kube-proxy: the control plane's. */
    private static final String KUBERNETES_VERSION = TestBinaries.KUBERNETES_VERSION;
    private static final String HOW_TO_GET_THEM = "run hack/node-provision.sh (installs containerd, runc and the CNI plugins,"
            + " builds the images from the Containerfiles, kubelet, kube-proxy and helm, cached under ~/.cache/scorch)";

    /** The artifacts under the cache directory the environment chooses. */
    public static NodeArtifacts fromEnvironment() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cacheHome = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new NodeArtifacts(cacheHome.resolve("scorch"));
    }

    public Path kubelet() {
        return cache.resolve("node-binaries").resolve("k8s-" + KUBERNETES_VERSION).resolve("kubelet");
    }

    public Path kubeProxy() {
        return cache.resolve("node-binaries").resolve("k8s-" + KUBERNETES_VERSION).resolve("kube-proxy");
    }

    public Path imageDirectory() {
        return cache.resolve("images");
    }

    public Path helm() {
        return cache.resolve("node-binaries").resolve("helm");
    }

    /** The image references hack/images.sh built: COLLECTOR_IMAGE, OPERATOR_IMAGE, WORKLOAD_IMAGE, SANDBOX_IMAGE. */
    public Map<String, String> images() {
        try {
            return Files.readAllLines(imageDirectory().resolve("images.env")).stream()
                    .filter(line -> line.contains("="))
                    .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')), line -> line.substring(line.indexOf('=') + 1)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + imageDirectory().resolve("images.env") + ": " + HOW_TO_GET_THEM, e);
        }
    }

    /** Skips or (in CI) fails the calling test through {@code tier}'s guard unless everything is there. */
    public void require(Tier tier) {
        List<String> missing = new ArrayList<>();
        for (Path file : List.of(kubelet(), kubeProxy(), imageDirectory().resolve("images.env"),
                Path.of("/usr/bin/containerd"), Path.of("/usr/sbin/runc"), Path.of("/usr/lib/cni/bridge"))) {
            if (!Files.isReadable(file)) {
                missing.add(file.toString());
            }
        }
        tier.require(missing.isEmpty(), "missing " + String.join(", ", missing) + ": " + HOW_TO_GET_THEM);
    }
}
