package dev.scorch.collector.sampling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the cgroup v2 directory perf's cgroup mode needs. Accepts a directory path
 * ({@code /sys/fs/cgroup/kubepods.slice/...}) or a cgroup path as {@code /proc/<pid>/cgroup}
 * shows it ({@code /kubepods.slice/...}), resolved against the cgroup2 mount
 * ({@code /sys/fs/cgroup} on unified hosts, {@code /sys/fs/cgroup/unified} on hybrid ones).
 */
public final class CgroupDirectories {

    private final Path mounts;

    CgroupDirectories(Path mounts) {
        this.mounts = mounts;
    }

    public static CgroupDirectories ofThisHost() {
        return new CgroupDirectories(Path.of("/proc/self/mounts"));
    }

    /** The cgroup2 mount point, if the host has one. */
    public Optional<Path> unifiedMount() {
        try {
            List<String> lines = Files.readAllLines(mounts);
            return lines.stream()
                    .map(line -> line.split(" "))
                    .filter(f -> f.length >= 3 && f[2].equals("cgroup2"))
                    .map(f -> Path.of(f[1].replace("\\040", " ")))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The directory for {@code cgroup}, or an error message saying what is wrong. */
    public Path resolve(String cgroup) {
        Path direct = Path.of(cgroup);
        Optional<Path> mount = unifiedMount();
        if (mount.isEmpty()) {
            throw new IllegalArgumentException("perf cgroup mode needs a cgroup v2 hierarchy, and " + mounts + " lists no cgroup2 mount");
        }
        if (direct.isAbsolute() && direct.startsWith(mount.get()) && Files.isDirectory(direct)) {
            return direct;
        }
        Path relative = mount.get().resolve(cgroup.replaceFirst("^/+", ""));
        if (Files.isDirectory(relative)) {
            return relative;
        }
        throw new IllegalArgumentException("cgroup '" + cgroup + "' is neither a directory under the cgroup2 mount "
                + mount.get() + " nor a cgroup path relative to it (" + relative + " does not exist)");
    }
}
