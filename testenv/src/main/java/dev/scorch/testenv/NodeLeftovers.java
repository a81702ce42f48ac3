package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Removes what a {@link HostNode} leaves on the host once its kubelet has stopped: containers
 * (their shims outlive containerd), mounts under its directories, the pod network namespaces it
 * made, the kubelet's cgroups and its run directory. Every step is best effort: one that fails
 * says so on stderr and the others still run, so an interrupted test leaves as little as possible.
 */
final class NodeLeftovers {

    private NodeLeftovers() {}

    /** Kills and deletes every container containerd at {@code socket} runs for Kubernetes. */
    static void removeContainers(Path socket) {
        if (!Files.exists(socket)) {
            return;
        }
        String address = socket.toString();
        for (String task : lines(List.of("ctr", "--address", address, "-n", "k8s.io", "tasks", "ls", "-q"))) {
            NodeNetwork.succeeds(List.of("ctr", "--address", address, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", task));
        }
        for (String task : lines(List.of("ctr", "--address", address, "-n", "k8s.io", "tasks", "ls", "-q"))) {
            NodeNetwork.succeeds(List.of("ctr", "--address", address, "-n", "k8s.io", "tasks", "delete", "-f", task));
        }
        for (String container : lines(List.of("ctr", "--address", address, "-n", "k8s.io", "containers", "ls", "-q"))) {
            NodeNetwork.succeeds(List.of("ctr", "--address", address, "-n", "k8s.io", "containers", "delete", container));
        }
    }

    /** Unmounts everything mounted under {@code roots}, deepest first. */
    static void unmountUnder(List<String> roots) {
        try {
            List<String> mountPoints = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" ")[4])
                    .filter(point -> roots.stream().anyMatch(point::startsWith))
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .toList();
            mountPoints.forEach(point -> NodeNetwork.succeeds(List.of("umount", "-l", point)));
        } catch (IOException e) {
            System.err.println("node cleanup: cannot read /proc/self/mountinfo: " + e.getMessage());
        }
    }

    /** Deletes the pod network namespaces (CNI's {@code cni-*}) that were not there {@code before}. */
    static void removeCniNamespacesExcept(Set<String> before) {
        for (String namespace : cniNamespaces()) {
            if (!before.contains(namespace)) {
                NodeNetwork.succeeds(List.of("ip", "netns", "del", namespace));
            }
        }
    }

    /** The kubelet's QoS cgroups in every hierarchy, deepest first (empty once the containers are gone). */
    static void removeCgroups(String top) {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path root = hierarchy.resolve(top);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> tree = Files.walk(root)) {
                    tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(dir -> dir.toFile().delete());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("node cleanup: cgroups under " + top + ": " + e.getMessage());
        }
    }

    /** The pod network namespaces on the host now. */
    static Set<String> cniNamespaces() {
        Path netns = Path.of("/run/netns");
        if (!Files.isDirectory(netns)) {
            return Set.of();
        }
        try (Stream<Path> entries = Files.list(netns)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cni-")).collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(directory)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("node cleanup: cannot delete " + directory + ": " + e.getMessage());
        }
    }

    private static List<String> lines(List<String> command) {
        try {
            return NodeNetwork.run(command).lines().filter(l -> !l.isBlank()).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
