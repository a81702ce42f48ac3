package dev.scorch.collector.jvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /proc} says of a process: who it is (pid and start time, so a reused pid is another
 * process), its parent, its mount namespace and when it started on the wall clock. Every answer is
 * null or a neutral value when the process is gone or its files cannot be read.
 */
final class ProcProcesses {

    private static final int MAX_ANCESTORS = 64;
    private static final int MAX_STATUS_BYTES = 16 << 10;
    private static final int MAX_PROC_STAT_LINES = 100_000;
    /** USER_HZ, the unit of /proc start times: 100 on every Linux architecture the collector runs on. */
    private static final long TICKS_PER_SECOND = 100;

    /** A process: its pid and its start time in clock ticks after boot. */
    record Identity(int pid, long startTicks) {}

    private final Path procRoot;
    private long bootNanos;

    ProcProcesses(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** The running process {@code pid} (field 22 of /proc/<pid>/stat is its start time), null when gone or a zombie. */
    Identity identity(int pid) {
        String stat = read(procRoot.resolve(pid + "/stat"));
        int afterCommand = stat == null ? -1 : stat.lastIndexOf(')');
        if (afterCommand < 0) {
            return null;
        }
        String[] fields = stat.substring(afterCommand + 2).split(" ");
        try {
            // fields[0] is the state (field 3); the start time is field 22.
            return fields.length > 19 && !fields[0].equals("Z") ? new Identity(pid, Long.parseLong(fields[19])) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code process} still runs: the same pid with the same start time. */
    boolean running(Identity process) {
        return process.equals(identity(process.pid()));
    }

    /** The furthest ancestor of {@code pid} in {@code namespace}, or null when its parent is in another. */
    Identity furthestAncestorIn(int pid, String namespace) {
        Identity ancestor = null;
        int current = parent(pid);
        for (int i = 0; i < MAX_ANCESTORS && current > 0 && namespace.equals(mountNamespace(current)); i++) {
            ancestor = identity(current);
            current = parent(current);
        }
        return ancestor;
    }

    /** The mount namespace of {@code pid} (the {@code ns/mnt} link), null when it cannot be read. */
    String mountNamespace(int pid) {
        try {
            return Files.readSymbolicLink(procRoot.resolve(pid + "/ns/mnt")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * When {@code process} started, in nanoseconds since the epoch (boot time from /proc/stat plus
     * its start ticks), to the second; {@link Long#MIN_VALUE} when the boot time is unknown.
     */
    long startedAtNanos(Identity process) {
        if (bootNanos == 0) {
            bootNanos = bootNanos(procRoot.resolve("stat"));
        }
        return bootNanos < 0 ? Long.MIN_VALUE : bootNanos + process.startTicks() * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private int parent(int pid) {
        String status = read(procRoot.resolve(pid + "/status"));
        if (status == null) {
            return 0;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("PPid:")) {
                try {
                    return Integer.parseInt(line.substring(5).strip());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** The {@code btime} line of /proc/stat (after a line per CPU and the interrupt counts), in ns; -1 when missing. */
    private static long bootNanos(Path stat) {
        try (BufferedReader lines = Files.newBufferedReader(stat, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < MAX_PROC_STAT_LINES; i++) {
                String line = lines.readLine();
                if (line == null) {
                    break;
                }
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).strip()) * 1_000_000_000L;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_STATUS_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
