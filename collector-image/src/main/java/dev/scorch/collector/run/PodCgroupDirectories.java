package dev.scorch.collector.run;

import dev.scorch.collector.kubernetes.PodInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds pods' cgroup v2 directories through their containers: a container's directory is named
 * after its id ({@code cri-containerd-<id>.scope}, {@code crio-<id>.scope}, {@code
 * docker-<id>.scope} with the systemd driver, {@code <id>} with cgroupfs) and its parent is the
 * pod's ({@code kubepods-<qos>-pod<uid>.slice}, {@code pod<uid>}). The pod directory holds all its
 * containers, restarted ones included, and perf cgroup events match descendants. Going by
 * container id rather than pod UID also finds static pods, whose API UID is not the kubelet's.
 * Walks only the {@code kubepods} subtrees, three levels deep, and only when a container asked
 * about is not known yet.
 */
final class PodCgroupDirectories {

    private static final Pattern CONTAINER = Pattern.compile("(?:^|-)([0-9a-f]{64})(?:\\.scope)?$");

    private final Path mount;
    /** Each container's own directory by container id; its parent is the pod's. */
    private volatile Map<String, Path> directoryByContainer = Map.of();

    PodCgroupDirectories(Path mount) {
        this.mount = mount;
    }

    /** Pod UID to cgroup directory, for each of {@code pods} with a container found on this host. */
    Map<String, Path> find(Collection<PodInfo> pods) {
        boolean complete = pods.stream().allMatch(pod -> pod.containerNames().keySet().stream().anyMatch(id -> {
            Path directory = directoryByContainer.get(id);
            return directory != null && Files.isDirectory(directory);
        }));
        if (!complete) {
            directoryByContainer = walk();
        }
        Map<String, Path> found = new HashMap<>();
        for (PodInfo pod : pods) {
            for (String id : pod.containerNames().keySet()) {
                Path directory = directoryByContainer.get(id);
                if (directory != null) {
                    found.put(pod.uid(), directory.getParent());
                    break;
                }
            }
        }
        return found;
    }

    /**
     * The directories of {@code pods}' containers by container id, for the containers found on
     * this host. Walks again only when a pod has none known (exited init containers have no
     * directory and never will, so one missing container is no reason to walk every time).
     */
    Map<String, Path> containers(Collection<PodInfo> pods) {
        boolean complete = pods.stream().allMatch(pod -> pod.containerNames().keySet().stream().anyMatch(id -> {
            Path directory = directoryByContainer.get(id);
            return directory != null && Files.isDirectory(directory);
        }));
        if (!complete) {
            directoryByContainer = walk();
        }
        Map<String, Path> known = directoryByContainer;
        Map<String, Path> found = new HashMap<>();
        for (PodInfo pod : pods) {
            for (String id : pod.containerNames().keySet()) {
                Path directory = known.get(id);
                if (directory != null) {
                    found.put(id, directory);
                }
            }
        }
        return found;
    }

    /** The cgroup file system this finds directories in. */
    Path mount() {
        return mount;
    }

    private Map<String, Path> walk() {
        Map<String, Path> directories = new HashMap<>();
        try (DirectoryStream<Path> roots = Files.newDirectoryStream(mount, "kubepods*")) {
            for (Path root : roots) {
                collect(root, 3, directories);
            }
        } catch (IOException e) {
            // no kubepods hierarchy: no pod is found, and the caller falls back to every CPU
        }
        return directories;
    }

    private static void collect(Path directory, int depth, Map<String, Path> directories) throws IOException {
        Matcher container = CONTAINER.matcher(directory.getFileName().toString());
        if (container.find()) {
            directories.put(container.group(1), directory);
            return;
        }
        if (depth == 0) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path child : children) {
                collect(child, depth - 1, directories);
            }
        }
    }
}
