package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A real Kubernetes node for tier 6, on this host: containerd and runc from Debian's packages,
 * the kubelet and kube-proxy built from Go modules ({@code hack/node-binaries.sh}), all inside a
 * {@link NodeNetwork}, joined to a test control plane. Pods are real containers: their own mount,
 * PID and network namespaces, cgroups made by the kubelet and runc, images imported from the
 * archives {@code hack/images.sh} built (no registry is reachable).
 *
 * <p>Why not a virtual machine: see docs/decisions.md, "Tier 6 runs a real node on the host".
 * Everything the node writes lives under its work directory and {@code /run/scorch-node/<name>};
 * its network lives and dies with the namespace; {@link #close()} removes its containers, mounts
 * and cgroups.
 */
public final class HostNode implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final String POD_CIDR = "10.244.0.0/24";

    private final String name;
    private final Path workDirectory;
    private final Path runDirectory;
    private final NodeNetwork network;
    private final Set<String> namespacesBefore;
    private final List<LocalProcess> processes = new ArrayList<>();
    private final Thread cleanupAtExit = Thread.ofPlatform().unstarted(this::cleanUp);

    private HostNode(String name, Path workDirectory, Path runDirectory, NodeNetwork network, Set<String> namespacesBefore) {
        this.name = name;
        this.workDirectory = workDirectory;
        this.runDirectory = runDirectory;
        this.network = network;
        this.namespacesBefore = namespacesBefore;
    }

    /**
     * Starts containerd, imports the images, then starts the kubelet and kube-proxy; returns once
     * the kubelet runs (the node's registration is the caller's to await through the API server).
     *
     * @param kubeconfigYaml credentials of the kubelet and kube-proxy; its server must be reachable
     *     from the node, i.e. on {@link NodeNetwork#hostAddress()}
     * @param runtimeLacks capabilities (e.g. {@code cap_perfmon}) dropped from the container
     *     runtime's bounding set, as on a node whose runtime runs confined: no container of this
     *     node can have them; empty for a normal node
     */
    public static HostNode start(NodeArtifacts artifacts, NodeNetwork network, String kubeconfigYaml, String name, Path workDirectory,
            List<String> runtimeLacks) {
        Path runDirectory = Path.of("/run/scorch-node", network.namespace());
        HostNode node = new HostNode(name, workDirectory, runDirectory, network, NodeLeftovers.cniNamespaces());
        // Container shims outlive containerd: an interrupted test must not leave containers behind.
        Runtime.getRuntime().addShutdownHook(node.cleanupAtExit);
        try {
            node.startComponents(artifacts, kubeconfigYaml, runtimeLacks);
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startComponents(NodeArtifacts artifacts, String kubeconfigYaml, List<String> runtimeLacks) {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        Path socket = runDirectory.resolve("containerd.sock");
        Path cni = directory(workDirectory.resolve("cni"));
        directory(runDirectory);
        write(cni.resolve("10-scorch-bridge.conflist"), """
                {"cniVersion": "0.4.0", "name": "scorch-pods", "plugins": [
                  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": "%s"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}]}
                """.formatted(POD_CIDR, workDirectory.resolve("cni-ipam")));
        Path containerdConfig = write(workDirectory.resolve("containerd.toml"), """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
                [grpc]
                  address = "%s"
                [ttrpc]
                  address = "%s.ttrpc"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%s"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%s"
                  # The kubelet asks for negative OOM scores (sandboxes -998), which need
                  # CAP_SYS_RESOURCE; a sandboxed CI host withholds it. Scores stay >= containerd's.
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%s"
                """.formatted(workDirectory.resolve("containerd-root"), runDirectory.resolve("containerd-state"), socket, socket,
                workDirectory.resolve("containerd-opt"), artifacts.images().get("SANDBOX_IMAGE"), cni));
        List<String> runtime = new ArrayList<>();
        if (!runtimeLacks.isEmpty()) {
            runtime.addAll(List.of("capsh", "--drop=" + String.join(",", runtimeLacks), "--"));
            runtime.addAll(List.of("-c", "exec containerd --config " + containerdConfig));
        } else {
            runtime.addAll(List.of("containerd", "--config", containerdConfig.toString()));
        }
        LocalProcess containerd = launch("containerd", runtime);
        Readiness.await(containerd, deadline, () -> Files.exists(socket)
                && NodeNetwork.succeeds(List.of("ctr", "--address", socket.toString(), "version")));
        for (Path archive : archives(artifacts.imageDirectory())) {
            NodeNetwork.run(List.of("ctr", "--address", socket.toString(), "-n", "k8s.io", "images", "import", archive.toString()));
        }

        Path kubeconfig = write(workDirectory.resolve("kubeconfig"), kubeconfigYaml);
        Path kubeletConfig = write(workDirectory.resolve("kubelet.yaml"), """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                cgroupDriver: cgroupfs
                containerRuntimeEndpoint: unix://%s
                address: %s
                healthzBindAddress: %s
                readOnlyPort: 0
                # The node answers only on the test's private network; the API server reaches logs
                # and the stats summary without a client certificate.
                authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
                authorization: {mode: AlwaysAllow}
                failSwapOn: false
                resolvConf: ""
                podCIDR: "%s"
                serializeImagePulls: false
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                evictionHard: {memory.available: "50Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
                """.formatted(socket, network.nodeAddress(), network.nodeAddress(), POD_CIDR));
        // Under the short run directory: the kubelet's unix sockets live in it (108-byte path limit).
        Path kubeletRoot = directory(runDirectory.resolve("kubelet"));
        LocalProcess kubelet = launch("kubelet", List.of(artifacts.kubelet().toString(),
                "--config=" + kubeletConfig, "--kubeconfig=" + kubeconfig, "--root-dir=" + kubeletRoot,
                "--hostname-override=" + name, "--node-ip=" + network.nodeAddress(), "--v=1"));
        Path proxyConfig = write(workDirectory.resolve("kube-proxy.yaml"), """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                clientConnection: {kubeconfig: "%s"}
                mode: iptables
                clusterCIDR: "%s"
                hostnameOverride: %s
                healthzBindAddress: 127.0.0.1:10256
                metricsBindAddress: 127.0.0.1:10249
                # Zero: leave the host kernel's conntrack settings alone.
                conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
                """.formatted(kubeconfig, POD_CIDR, name));
        launch("kube-proxy", List.of(artifacts.kubeProxy().toString(), "--config=" + proxyConfig, "--v=1"));
        Readiness.await(kubelet, deadline, Readiness.httpOk("http://" + network.nodeAddress() + ":10248/healthz", null, null));
    }

    private LocalProcess launch(String component, List<String> command) {
        LocalProcess process = LocalProcess.start(name + "-" + component, network.inNamespaceCommand(command),
                workDirectory.resolve(component + ".log"));
        processes.add(process);
        return process;
    }

    public String name() {
        return name;
    }

    /** The last lines of one component's log ({@code kubelet}, {@code containerd}, {@code kube-proxy}). */
    public String logTail(String component, int lines) {
        Path log = workDirectory.resolve(component + ".log");
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of("(no " + log + ")");
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Stops the kubelet and kube-proxy, removes every container (their shims outlive containerd),
     * stops containerd, and removes the mounts, pod network namespaces and cgroups the node made.
     */
    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupAtExit);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs (or ran) the same cleanup.
        }
    }

    private synchronized void cleanUp() {
        for (LocalProcess process : processes.reversed()) {
            if (!process.name().endsWith("containerd")) {
                process.close();
            }
        }
        NodeLeftovers.removeContainers(runDirectory.resolve("containerd.sock"));
        processes.forEach(LocalProcess::close);
        processes.clear();
        NodeLeftovers.unmountUnder(List.of(workDirectory.toString(), runDirectory.toString()));
        NodeLeftovers.removeCniNamespacesExcept(namespacesBefore);
        NodeLeftovers.removeCgroups("kubepods");
        NodeLeftovers.deleteQuietly(runDirectory);
    }

    private static List<Path> archives(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.toString().endsWith(".tar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the image archives in " + directory, e);
        }
    }

    private static Path directory(Path path) {
        try {
            return Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path, e);
        }
    }

    private static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
