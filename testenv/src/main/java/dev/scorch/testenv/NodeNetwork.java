package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A private network for one tier-6 node: a network namespace the test creates, joined to the host
 * by a veth pair. The node's kubelet, containerd and kube-proxy run in the namespace, and so do
 * its pods' networks (CNI bridge) and kube-proxy's iptables rules: nothing of the node touches the
 * host's own network configuration.
 *
 * <pre>
 *   host 10.213.N.1 ──veth── 10.213.N.2 node namespace ──cni0── pods 10.244.0.0/24
 * </pre>
 *
 * <p>The node reaches servers the test binds on {@link #hostAddress()} (the API server, Parca);
 * the API server reaches the kubelet on {@link #nodeAddress()}. Needs root (CAP_NET_ADMIN).
 */
public final class NodeNetwork implements AutoCloseable {

    private final int index;
    private final String namespace;
    private final String hostLink;

    private NodeNetwork(int index) {
        this.index = index;
        this.namespace = "scorch-node-" + index;
        this.hostLink = "scorch" + index + "h";
    }

    /** Creates the namespace and the veth pair; undone by {@link #close()}. */
    public static NodeNetwork create() {
        String existing = run(List.of("ip", "netns", "list"));
        for (int attempt = 0; attempt < 20; attempt++) {
            int index = ThreadLocalRandom.current().nextInt(1, 250);
            if (!existing.contains("scorch-node-" + index + " ") && !existing.contains("scorch-node-" + index + "\n")) {
                NodeNetwork network = new NodeNetwork(index);
                try {
                    network.setUp();
                    return network;
                } catch (RuntimeException e) {
                    network.close();
                    throw e;
                }
            }
        }
        throw new IllegalStateException("no free scorch-node-N network namespace among 20 tries: " + existing);
    }

    private void setUp() {
        String nsLink = "scorch" + index + "n";
        run(List.of("ip", "netns", "add", namespace));
        run(List.of("ip", "link", "add", hostLink, "type", "veth", "peer", "name", nsLink));
        run(List.of("ip", "link", "set", nsLink, "netns", namespace));
        run(List.of("ip", "addr", "add", hostAddress() + "/30", "dev", hostLink));
        run(List.of("ip", "link", "set", hostLink, "up"));
        inNamespace("ip", "link", "set", "lo", "up");
        inNamespace("ip", "addr", "add", "10.213." + index + ".2/30", "dev", nsLink);
        inNamespace("ip", "link", "set", nsLink, "up");
        inNamespace("ip", "route", "add", "default", "via", hostAddress());
        inNamespace("sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    /** The namespace's name, for {@code ip netns exec}. */
    public String namespace() {
        return namespace;
    }

    /** The host's address on this network: servers the node must reach listen here. */
    public String hostAddress() {
        return "10.213." + index + ".1";
    }

    /** The node's address: the namespace's end of the veth pair. */
    public String nodeAddress() {
        return "10.213." + index + ".2";
    }

    /** The namespace's path, for {@code nsenter --net=}. */
    public String namespacePath() {
        return "/run/netns/" + namespace;
    }

    /**
     * {@code command} prefixed to run inside the namespace's network only: unlike
     * {@code ip netns exec}, {@code nsenter --net} keeps the host's mount namespace, which the
     * kubelet and containerd must share (the kubelet mounts pod volumes that runc binds into
     * containers).
     */
    public List<String> inNamespaceCommand(List<String> command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + namespacePath()));
        full.addAll(command);
        return full;
    }

    private void inNamespace(String... command) {
        run(inNamespaceCommand(List.of(command)));
    }

    @Override
    public void close() {
        runQuietly(List.of("ip", "link", "del", hostLink));
        runQuietly(List.of("ip", "netns", "del", namespace));
    }

    private static void runQuietly(List<String> command) {
        try {
            run(command);
        } catch (RuntimeException e) {
            System.err.println("node network cleanup: " + e.getMessage());
        }
    }

    /** Whether {@code command} ran and exited 0; for probes and best-effort cleanup steps. */
    static boolean succeeds(List<String> command) {
        try {
            run(command);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    @Override
    public String toString() {
        return "NodeNetwork[" + namespace + ", host " + hostAddress() + ", node " + nodeAddress() + "]";
    }
}
