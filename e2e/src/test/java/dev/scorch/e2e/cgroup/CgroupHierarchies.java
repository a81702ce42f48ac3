package dev.scorch.e2e.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cgroup hierarchies this host has mounted (cgroup v2 alone, or v1 controllers next to a v2
 * "unified" mount) and this process's cgroup in each: the places where a kubelet nested in this
 * process's cgroups would create its {@code kubepods} tree.
 *
 * <p>Nesting under this process's own cgroup (as kind nests a kubelet under a container's cgroup)
 * keeps the test's processes inside whatever limits the machine put the test under.
 */
public final class CgroupHierarchies {

    /** One mounted hierarchy: its directory for this process, and whether it is v1 cpuset. */
    record Hierarchy(String controllers, Path directory) {

        boolean isCpuset() {
            return Arrays.asList(controllers.split(",")).contains("cpuset");
        }
    }

    private final List<Hierarchy> hierarchies;

    private CgroupHierarchies(List<Hierarchy> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    /** The hierarchies of this host as {@code /proc/self/cgroup} and {@code /proc/self/mountinfo} show them. */
    public static CgroupHierarchies ofThisProcess() {
        try {
            return parse(
                    Files.readAllLines(Path.of("/proc/self/cgroup")),
                    Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's cgroups", e);
        }
    }

    static CgroupHierarchies parse(List<String> procSelfCgroup, List<String> mountInfo) {
        List<Hierarchy> found = new ArrayList<>();
        for (String line : procSelfCgroup) {
            String[] fields = line.split(":", 3);
            if (fields.length != 3 || fields[1].isEmpty() && !fields[0].equals("0")) {
                continue;
            }
            String controllers = fields[1];
            String path = fields[2];
            Mount mount = findMount(mountInfo, controllers);
            if (mount == null) {
                continue;
            }
            String relative = path.startsWith(mount.root()) ? path.substring(mount.root().length()) : path;
            Path directory = mount.mountPoint().resolve(relative.replaceFirst("^/+", ""));
            found.add(new Hierarchy(controllers, directory));
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("no mounted cgroup hierarchy found for this process");
        }
        return new CgroupHierarchies(found);
    }

    private record Mount(String root, Path mountPoint) {
    }

    private static Mount findMount(List<String> mountInfo, String controllers) {
        Set<String> wanted = new HashSet<>(Arrays.asList(controllers.split(",")));
        wanted.remove("");
        for (String line : mountInfo) {
            String[] halves = line.split(" - ", 2);
            if (halves.length != 2) {
                continue;
            }
            String[] left = halves[0].split(" ");
            String[] right = halves[1].split(" ");
            String fsType = right[0];
            if (wanted.isEmpty() && fsType.equals("cgroup2")) {
                return new Mount(left[3], Path.of(left[4]));
            }
            if (!wanted.isEmpty() && fsType.equals("cgroup") && right.length >= 3) {
                Set<String> options = new HashSet<>(Arrays.asList(right[2].split(",")));
                if (options.containsAll(wanted)) {
                    return new Mount(left[3], Path.of(left[4]));
                }
            }
        }
        return null;
    }

    List<Hierarchy> hierarchies() {
        return hierarchies;
    }

    /** How many hierarchies a container joins (one line each in {@code /proc/<pid>/cgroup}). */
    public int count() {
        return hierarchies.size();
    }

    /** Whether this host can hold kubelet-shaped cgroups: every hierarchy writable by this user. */
    public boolean writable() {
        return hierarchies.stream().allMatch(h -> Files.isWritable(h.directory()));
    }

    /** The hierarchies and this process's directory in each, for a tier guard's message. */
    public String describe() {
        return hierarchies.stream().map(h -> h.controllers() + "=" + h.directory()).toList().toString();
    }

    /**
     * Creates the cgroup a kubelet with the systemd cgroup driver and containerd creates for one
     * container, in every hierarchy.
     */
    public KubeletContainerCgroup createContainer(QosClass qos, String podUid, String containerId) {
        List<String> segments = qos.kubeletSlices(podUid);
        List<String> withScope = new ArrayList<>(segments);
        withScope.add("cri-containerd-" + containerId + ".scope");
        List<Path> leaves = new ArrayList<>();
        for (Hierarchy hierarchy : hierarchies) {
            Path current = hierarchy.directory();
            for (String segment : withScope) {
                Path parent = current;
                current = current.resolve(segment);
                if (!Files.isDirectory(current)) {
                    mkdir(current);
                    if (hierarchy.isCpuset()) {
                        copy(parent.resolve("cpuset.cpus"), current.resolve("cpuset.cpus"));
                        copy(parent.resolve("cpuset.mems"), current.resolve("cpuset.mems"));
                    }
                }
            }
            leaves.add(current);
        }
        return new KubeletContainerCgroup(podUid, containerId, leaves,
                hierarchies.stream().map(Hierarchy::directory).toList());
    }

    private static void mkdir(Path directory) {
        try {
            Files.createDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cgroup " + directory, e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.writeString(to, Files.readString(from).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }
}
