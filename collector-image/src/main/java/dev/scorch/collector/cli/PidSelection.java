package dev.scorch.collector.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes {@code record --pid} asks for: the given pids and every process descending from
 * them, learnt from FORK records (children that have already exited) or {@code /proc/<pid>/status}.
 * No pids selects everything.
 */
final class PidSelection {

    private static final int MAX_ANCESTRY = 64;

    private final Set<Integer> roots;
    private final Path procRoot;
    private final Map<Integer, Integer> parents = new HashMap<>();

    PidSelection(Set<Integer> roots, Path procRoot) {
        this.roots = Set.copyOf(roots);
        this.procRoot = procRoot;
    }

    /** The thread ids of {@code pids} now (each process's {@code /proc/<pid>/task} entries). */
    static List<Integer> threadsOf(Set<Integer> pids, Path procRoot) throws IOException {
        List<Integer> threads = new ArrayList<>();
        for (int pid : pids) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(procRoot.resolve(pid + "/task"))) {
                for (Path task : tasks) {
                    threads.add(Integer.parseInt(task.getFileName().toString()));
                }
            } catch (NumberFormatException e) {
                throw new IOException("unexpected entry in " + procRoot.resolve(pid + "/task") + ": " + e.getMessage(), e);
            }
        }
        return threads;
    }

    boolean everything() {
        return roots.isEmpty();
    }

    synchronized void forked(int pid, int parentPid) {
        if (pid != parentPid) {
            parents.put(pid, parentPid);
        }
    }

    synchronized boolean includes(int pid) {
        if (roots.isEmpty()) {
            return true;
        }
        int current = pid;
        for (int depth = 0; depth < MAX_ANCESTRY && current > 1; depth++) {
            if (roots.contains(current)) {
                return true;
            }
            Integer parent = parents.get(current);
            if (parent == null) {
                parent = parentFromProc(current);
                if (parent == null) {
                    return false;
                }
                parents.put(current, parent);
            }
            current = parent;
        }
        return false;
    }

    private Integer parentFromProc(int pid) {
        try (var lines = Files.lines(procRoot.resolve(pid + "/status"))) {
            return lines.filter(l -> l.startsWith("PPid:"))
                    .map(l -> Integer.parseInt(l.substring(5).strip()))
                    .findFirst()
                    .orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
