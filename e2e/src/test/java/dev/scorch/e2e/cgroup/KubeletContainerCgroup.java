package dev.scorch.e2e.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One container's cgroup in every hierarchy, shaped as a kubelet with containerd names it.
 * Processes enter it the way runc puts them there: the launcher writes its own pid into each
 * {@code cgroup.procs} before it execs the program, so no instruction runs outside the cgroup.
 *
 * <p>Closing kills what still runs in it, then removes the container's cgroup and every ancestor
 * up to the kubelet root that no other container still uses.
 */
public final class KubeletContainerCgroup implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String podUid;
    private final String containerId;
    private final List<Path> leaves;
    private final List<Path> roots;

    KubeletContainerCgroup(String podUid, String containerId, List<Path> leaves, List<Path> roots) {
        this.podUid = podUid;
        this.containerId = containerId;
        this.leaves = List.copyOf(leaves);
        this.roots = List.copyOf(roots);
    }

    /** A fresh containerd container id: 64 lowercase hex digits. */
    public static String newContainerId() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public String podUid() {
        return podUid;
    }

    public String containerId() {
        return containerId;
    }

    /** The id as a pod status carries it: {@code containerd://<64 hex>}. */
    public String statusContainerId() {
        return "containerd://" + containerId;
    }

    /** The container's directory in each hierarchy. */
    public List<Path> directories() {
        return leaves;
    }

    /**
     * {@code command} wrapped so that the process joins this cgroup, then execs {@code command}
     * under the same pid.
     */
    public List<String> enterThenExec(List<String> command) {
        StringBuilder script = new StringBuilder();
        for (Path leaf : leaves) {
            script.append("echo $$ > '").append(leaf.resolve("cgroup.procs")).append("' || exit 125; ");
        }
        script.append("exec \"$@\"");
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "container"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** The pids in this container's cgroup (from the first hierarchy). */
    public List<Long> pids() {
        try {
            return Files.readAllLines(leaves.getFirst().resolve("cgroup.procs")).stream()
                    .filter(line -> !line.isBlank())
                    .map(Long::parseLong)
                    .toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + leaves.getFirst().resolve("cgroup.procs"), e);
        }
    }

    /** Kills what still runs in the container (as a kubelet does before it removes the cgroup), then removes it. */
    @Override
    public void close() {
        pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        for (int i = 0; i < leaves.size(); i++) {
            Path root = roots.get(i);
            for (Path dir = leaves.get(i); dir != null && !dir.equals(root) && dir.startsWith(root); dir = dir.getParent()) {
                if (!removeWhenEmpty(dir, deadline)) {
                    break;
                }
            }
        }
    }

    /** Removes a cgroup directory; false when another container still uses it (it has children). */
    private static boolean removeWhenEmpty(Path dir, Instant deadline) {
        while (true) {
            try {
                if (hasChildCgroups(dir)) {
                    return false;
                }
                Files.deleteIfExists(dir);
                return true;
            } catch (IOException e) {
                // EBUSY: a process is still leaving the cgroup (exit is asynchronous); wait briefly.
                if (Instant.now().isAfter(deadline)) {
                    return false;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    private static boolean hasChildCgroups(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var children = Files.list(dir)) {
            return children.anyMatch(Files::isDirectory);
        }
    }
}
