package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The perf maps ({@code /tmp/perf-<nspid>.map}) the collector caused JVMs to write, removed once
 * the JVM has exited: HotSpot leaves the file behind, and on a host they pile up. A map is the
 * collector's only when no map of that JVM existed before its first request (one older than the
 * JVM was left by an earlier process with its pid, and is overwritten) and the file is
 * still, to the inode, size and modification time, the one the JVM wrote on the collector's last
 * request. A map the JVM wrote on its own ({@code -XX:+DumpPerfMapAtExit} rewrites it at exit) or
 * on a user's own {@code jcmd} fails that test and stays. A JVM is known by pid and start time, so
 * a reused pid is another JVM.
 *
 * <p>Files are reached as every container file is: the container's {@code /tmp} resolved inside
 * its root ({@code openat2} with {@code RESOLVE_IN_ROOT}), the map looked up there without
 * following a symlink. Once the JVM has exited its own {@code /proc/<pid>/root} is gone, so the
 * root is reached through a peer: the JVM's furthest ancestor in the same mount namespace, still
 * running with the same start time. A JVM without one was its container's or its service's first
 * process, whose {@code /tmp} goes with it (a container's writable layer, a private tmp).
 */
final class CausedPerfMaps {

    private static final int MAX_TRACKED = 4096;
    private static final int MAX_ANCESTORS = 64;
    private static final int MAX_STATUS_BYTES = 16 << 10;
    /** USER_HZ, the unit of /proc start times: 100 on every Linux architecture the collector runs on. */
    private static final long TICKS_PER_SECOND = 100;
    /** Boot time is known to the second: a map from about the JVM's start counts as the JVM's. */
    private static final long STARTED_AT_SLACK_NANOS = 2_000_000_000L;
    private static final int MAX_PROC_STAT_LINES = 100_000;

    private record Process(int pid, long startTicks) {}

    private record FileIdentity(Object key, long size, long modifiedNanos) {}

    /** What the collector knows of one JVM's map. */
    private static final class Tracked {
        final int nsPid;
        final String mountNamespace;
        final Process peer;
        /** A map existed before the first request: the JVM's or its user's, never removed. */
        final boolean foreign;
        FileIdentity written;

        Tracked(int nsPid, String mountNamespace, Process peer, boolean foreign) {
            this.nsPid = nsPid;
            this.mountNamespace = mountNamespace;
            this.peer = peer;
            this.foreign = foreign;
        }

        String fileName() {
            return "perf-" + nsPid + ".map";
        }
    }

    private final Path procRoot;
    private final LinkedHashMap<Process, Tracked> maps = new LinkedHashMap<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    private long bootNanos;

    CausedPerfMaps(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** Before a request to JVM {@code pid}: on the first, notes whether a map was there already. */
    synchronized void beforeRequest(int pid, int nsPid) {
        Process jvm = process(pid);
        if (jvm == null || maps.containsKey(jvm)) {
            return;
        }
        String namespace = mountNamespace(pid);
        if (namespace == null) {
            return;
        }
        FileIdentity existing = identity(pid, nsPid);
        // Older than the JVM: left behind by an earlier process with the same pid, and overwritten on request.
        boolean foreign = existing != null && existing.modifiedNanos() >= startedAtNanos(jvm) - STARTED_AT_SLACK_NANOS;
        maps.put(jvm, new Tracked(nsPid, namespace, peer(pid, namespace), foreign));
        if (maps.size() > MAX_TRACKED) {
            Iterator<Process> eldest = maps.keySet().iterator();
            eldest.next();
            eldest.remove();
            count("untracked");
        }
    }

    /** After JVM {@code pid} answered a request: the map as it wrote it. */
    synchronized void afterRequest(int pid) {
        Process jvm = process(pid);
        Tracked map = jvm == null ? null : maps.get(jvm);
        if (map != null && !map.foreign) {
            map.written = identity(pid, map.nsPid);
        }
    }

    /** After JVM {@code pid} refused a request: a JVM that never wrote a map on request is not followed. */
    synchronized void requestFailed(int pid) {
        Process jvm = process(pid);
        Tracked map = jvm == null ? null : maps.get(jvm);
        if (map != null && map.written == null) {
            maps.remove(jvm);
        }
    }

    /** Removes the maps of the JVMs that have exited; returns how many were removed. */
    synchronized int removeExited() {
        int removed = 0;
        for (Iterator<Map.Entry<Process, Tracked>> it = maps.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getKey().equals(process(entry.getKey().pid()))) {
                continue;
            }
            it.remove();
            removed += settle(entry.getValue()) ? 1 : 0;
        }
        return removed;
    }

    /** Removes every map still as the collector had it written, the running JVMs' too (the end of a recording). */
    synchronized int removeAll() {
        int removed = 0;
        for (var entry : maps.entrySet()) {
            Process jvm = entry.getKey();
            Tracked map = entry.getValue();
            removed += jvm.equals(process(jvm.pid())) ? removeThrough(jvm.pid(), map) : settle(map) ? 1 : 0;
        }
        maps.clear();
        return removed;
    }

    /**
     * Maps by what became of them: {@code removed}, {@code kept_not_ours} (there before the first
     * request), {@code kept_rewritten} (written again since the collector's last request),
     * {@code gone} (no file, or its root went with the JVM), {@code unremovable} (the unlink failed),
     * {@code untracked} (past the bound on JVMs followed).
     */
    synchronized Map<String, Long> outcomes() {
        return new TreeMap<>(outcomes);
    }

    private boolean settle(Tracked map) {
        Process peer = map.peer;
        if (peer == null || !peer.equals(process(peer.pid())) || !map.mountNamespace.equals(mountNamespace(peer.pid()))) {
            count(map.foreign ? "kept_not_ours" : "gone");
            return false;
        }
        return removeThrough(peer.pid(), map) == 1;
    }

    /** Removes {@code map} from the {@code /tmp} inside the root of process {@code viaPid}, when it is the collector's. */
    private int removeThrough(int viaPid, Tracked map) {
        if (map.foreign) {
            count("kept_not_ours");
            return 0;
        }
        try (TmpInRoot tmp = new TmpInRoot(viaPid)) {
            Path file = tmp.file(map.fileName());
            FileIdentity now = identity(file);
            if (now == null) {
                count("gone");
                return 0;
            }
            if (!now.equals(map.written)) {
                count("kept_rewritten");
                return 0;
            }
            Files.delete(file);
            count("removed");
            return 1;
        } catch (ErrnoException | NoSuchFileException e) {
            count("gone");
            return 0;
        } catch (IOException e) {
            count("unremovable");
            return 0;
        }
    }

    /** The map of running JVM {@code pid} as it is now, null when there is none or it cannot be reached. */
    private FileIdentity identity(int pid, int nsPid) {
        try (TmpInRoot tmp = new TmpInRoot(pid)) {
            return identity(tmp.file("perf-" + nsPid + ".map"));
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** The {@code /tmp} inside the root of process {@code pid}, resolved without leaving that root. */
    private final class TmpInRoot implements AutoCloseable {
        private final int rootFd;
        private final int tmpFd;

        TmpInRoot(int pid) throws ErrnoException {
            rootFd = FileDescriptors.open(procRoot.resolve(pid + "/root").toString(),
                    FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC);
            try {
                tmpFd = FileDescriptors.openat2(rootFd, "/tmp", FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC,
                        FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS);
            } catch (ErrnoException e) {
                FileDescriptors.close(rootFd);
                throw e;
            }
        }

        /** {@code name} in that {@code /tmp}: only this last component is looked up, and callers never follow it as a symlink. */
        Path file(String name) {
            return Path.of("/proc/self/fd/" + tmpFd).resolve(name);
        }

        @Override
        public void close() {
            FileDescriptors.close(tmpFd);
            FileDescriptors.close(rootFd);
        }
    }

    /** A regular file's identity, without following a symlink; null for anything else or nothing. */
    private static FileIdentity identity(Path file) {
        try {
            Map<String, Object> attributes = Files.readAttributes(file, "unix:ino,dev,size,lastModifiedTime,mode",
                    LinkOption.NOFOLLOW_LINKS);
            if (((Integer) attributes.get("mode") & 0xF000) != 0x8000) {
                return null;
            }
            long modified = ((java.nio.file.attribute.FileTime) attributes.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
            return new FileIdentity(attributes.get("dev") + ":" + attributes.get("ino"), (Long) attributes.get("size"), modified);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** The JVM's furthest ancestor in {@code namespace}, or null when its parent is in another. */
    private Process peer(int pid, String namespace) {
        Process peer = null;
        int current = parent(pid);
        for (int i = 0; i < MAX_ANCESTORS && current > 0 && namespace.equals(mountNamespace(current)); i++) {
            peer = process(current);
            current = parent(current);
        }
        return peer;
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

    /** Pid and start time (clock ticks after boot, field 22 of /proc/<pid>/stat) of a running process, null when gone. */
    private Process process(int pid) {
        String stat = read(procRoot.resolve(pid + "/stat"));
        int afterCommand = stat == null ? -1 : stat.lastIndexOf(')');
        if (afterCommand < 0) {
            return null;
        }
        String[] fields = stat.substring(afterCommand + 2).split(" ");
        try {
            // fields[0] is the state (field 3); the start time is field 22.
            return fields.length > 19 && !fields[0].equals("Z") ? new Process(pid, Long.parseLong(fields[19])) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** When {@code jvm} started, in nanoseconds since the epoch (boot time from /proc/stat plus the start ticks). */
    private long startedAtNanos(Process jvm) {
        if (bootNanos == 0) {
            bootNanos = bootNanos(procRoot.resolve("stat"));
        }
        return bootNanos < 0 ? Long.MIN_VALUE + STARTED_AT_SLACK_NANOS // unknown: any map there counts as the JVM's own
                : bootNanos + jvm.startTicks() * (1_000_000_000L / TICKS_PER_SECOND);
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

    private String mountNamespace(int pid) {
        try {
            return Files.readSymbolicLink(procRoot.resolve(pid + "/ns/mnt")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_STATUS_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1L, Long::sum);
    }
}
