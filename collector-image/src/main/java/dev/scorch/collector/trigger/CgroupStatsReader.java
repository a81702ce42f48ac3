package dev.scorch.collector.trigger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a container's CPU and memory use from its cgroup, on cgroup v2 ({@code cpu.stat},
 * {@code memory.current}, {@code memory.max}, {@code cpu.max}) and on v1 ({@code cpuacct.usage},
 * {@code memory.usage_in_bytes}, {@code memory.limit_in_bytes}, {@code cpu.cfs_quota_us}). On a
 * hybrid host (v1 controllers, v2 mounted beside them without controllers) each figure comes from
 * whichever hierarchy has it: v2's {@code cpu.stat} exists without the cpu controller, memory
 * then only in v1. Files are small and read whole; nothing is written.
 */
public final class CgroupStatsReader {

    /** v1 reports "no limit" as the largest page-aligned value; anything this large is none. */
    private static final long UNLIMITED_V1 = 1L << 62;
    private static final int MAX_FILE_BYTES = 64 * 1024;

    private final Path unified;
    private final Map<String, Path> v1Controllers;

    /**
     * @param unified the cgroup2 mount, null when the host has none
     * @param v1Controllers v1 mount per controller name ({@code cpuacct}, {@code memory}, {@code cpu})
     */
    public CgroupStatsReader(Path unified, Map<String, Path> v1Controllers) {
        this.unified = unified;
        this.v1Controllers = Map.copyOf(v1Controllers);
    }

    /** The reader for this host's mounts, from {@code /proc/self/mounts}. */
    public static CgroupStatsReader ofThisHost() throws IOException {
        return fromMounts(Files.readAllLines(Path.of("/proc/self/mounts")));
    }

    /** The reader for the cgroup mounts listed in {@code mounts} (the format of /proc/self/mounts). */
    static CgroupStatsReader fromMounts(List<String> mounts) {
        Path unified = null;
        Map<String, Path> v1 = new HashMap<>();
        for (String line : mounts) {
            String[] f = line.split(" ");
            if (f.length < 4) {
                continue;
            }
            Path mountPoint = Path.of(f[1].replace("\\040", " "));
            if (f[2].equals("cgroup2") && unified == null) {
                unified = mountPoint;
            } else if (f[2].equals("cgroup")) {
                for (String option : f[3].split(",")) {
                    if (option.equals("cpuacct") || option.equals("memory") || option.equals("cpu")) {
                        v1.putIfAbsent(option, mountPoint);
                    }
                }
            }
        }
        return new CgroupStatsReader(unified, v1);
    }

    /**
     * @param cgroupPath the container's cgroup as {@code /proc/<pid>/cgroup} shows it, e.g.
     *     {@code /kubepods.slice/.../cri-containerd-<id>.scope}
     * @throws IOException naming the file when the container's CPU use cannot be read (it is gone)
     */
    public CgroupStats read(String cgroupPath) throws IOException {
        String relative = cgroupPath.replaceFirst("^/+", "");
        if (relative.contains("..")) {
            throw new IOException("cgroup path '" + cgroupPath + "' leaves the cgroup mount");
        }
        Path v2 = unified == null ? null : unified.resolve(relative);
        Long cpuV2 = v2 == null ? null : flatKey(v2.resolve("cpu.stat"), "usage_usec");
        long cpuNanos;
        if (cpuV2 != null) {
            cpuNanos = Math.multiplyExact(cpuV2, 1000L);
        } else {
            Long v1 = number(v1("cpuacct", relative, "cpuacct.usage"));
            if (v1 == null) {
                throw new IOException("no CPU accounting for cgroup '" + cgroupPath + "': neither "
                        + (v2 == null ? "a cgroup2 mount" : v2.resolve("cpu.stat")) + " nor "
                        + v1("cpuacct", relative, "cpuacct.usage") + " can be read");
            }
            cpuNanos = v1;
        }
        Long memory = v2 == null ? null : number(v2.resolve("memory.current"));
        long memoryLimit;
        if (memory != null) {
            memoryLimit = limit(text(v2.resolve("memory.max")));
        } else {
            memory = number(v1("memory", relative, "memory.usage_in_bytes"));
            Long v1Limit = number(v1("memory", relative, "memory.limit_in_bytes"));
            memoryLimit = v1Limit == null || v1Limit >= UNLIMITED_V1 ? 0 : v1Limit;
        }
        double cpuLimit = v2 == null ? 0 : cpuMax(text(v2.resolve("cpu.max")));
        if (cpuLimit == 0) {
            Long quota = number(v1("cpu", relative, "cpu.cfs_quota_us"));
            Long period = number(v1("cpu", relative, "cpu.cfs_period_us"));
            cpuLimit = quota == null || period == null || quota <= 0 || period <= 0 ? 0 : (double) quota / period;
        }
        return new CgroupStats(cpuNanos, memory == null ? -1 : memory, memoryLimit, cpuLimit);
    }

    private Path v1(String controller, String relative, String file) {
        Path mount = v1Controllers.get(controller);
        return mount == null ? null : mount.resolve(relative).resolve(file);
    }

    /** {@code cpu.max}: "max 100000" (none) or "200000 100000" (2 cores). */
    static double cpuMax(String text) {
        if (text == null) {
            return 0;
        }
        String[] f = text.strip().split("\\s+");
        if (f.length != 2 || f[0].equals("max")) {
            return 0;
        }
        try {
            long quota = Long.parseLong(f[0]);
            long period = Long.parseLong(f[1]);
            return quota > 0 && period > 0 ? (double) quota / period : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code memory.max}: "max" (none) or bytes. */
    static long limit(String text) {
        if (text == null || text.strip().equals("max")) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The value of {@code key} in a flat-keyed file ("key value" lines), null when absent. */
    static Long flatKey(Path file, String key) throws IOException {
        String text = text(file);
        if (text == null) {
            return null;
        }
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[0].equals(key)) {
                try {
                    return Long.parseLong(f[1]);
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": '" + line + "' is not \"" + key + " <number>\"");
                }
            }
        }
        return null;
    }

    private static Long number(Path file) throws IOException {
        String text = text(file);
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a number: '" + text.strip() + "'");
        }
    }

    /** The file's text, null when it does not exist (that hierarchy does not account it). */
    private static String text(Path file) throws IOException {
        if (file == null) {
            return null;
        }
        try (var in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES);
            return new String(bytes, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
