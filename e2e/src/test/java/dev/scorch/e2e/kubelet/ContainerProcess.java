package dev.scorch.e2e.kubelet;

import dev.scorch.e2e.cgroup.KubeletContainerCgroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One container's process, started the way a container runtime starts it for everything Scorch
 * depends on: inside the container's cgroup, in a private mount namespace where the pod's volumes
 * appear at their mount paths, with exactly the pod's environment. It shares the host's PID and
 * network namespaces (a collector pod runs with {@code hostPID}; everything reaches the API server
 * on loopback).
 *
 * <p>Mount points that do not exist on the host (say {@code /etc/scorch/config}) are made inside
 * the namespace on an overlay of their nearest existing ancestor, so nothing is written to the
 * host's {@code /etc}, {@code /var/lib} or {@code /run}.
 */
public final class ContainerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final KubeletContainerCgroup cgroup;
    private final Path log;

    private ContainerProcess(String name, Process process, KubeletContainerCgroup cgroup, Path log) {
        this.name = name;
        this.process = process;
        this.cgroup = cgroup;
        this.log = log;
    }

    /**
     * Starts {@code command} as container {@code name}.
     *
     * @param scratch a directory for the overlays' upper and work directories
     */
    public static ContainerProcess start(
            String name,
            KubeletContainerCgroup cgroup,
            List<BindMount> mounts,
            Map<String, String> environment,
            List<String> command,
            Path scratch,
            Path log) {
        String script = mountScript(mounts, scratch);
        List<String> inNamespace = new ArrayList<>(List.of(
                "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, name));
        inNamespace.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(cgroup.enterThenExec(inNamespace))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            return new ContainerProcess(name, builder.start(), cgroup, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start container " + name + " (" + command + ")", e);
        }
    }

    /**
     * The shell that builds the container's mount table, then execs the program under the same pid.
     *
     * <p>Order matters because the container's root is the host's: a mount on {@code /tmp} (an
     * emptyDir) would hide the volume directories the fake kubelet wrote under {@code /tmp}. So
     * overlays for missing mount points come first, then every source is bind-mounted into a
     * staging directory, then the staged sources go to their targets, parents before children and
     * the targets that would hide the staging directory last.
     */
    static String mountScript(List<BindMount> mounts, Path scratch) {
        StringBuilder script = new StringBuilder("set -e\n");
        Path staging = scratch.resolve("staging");
        mkdirs(staging);
        List<BindMount> wanted = mounts.stream().filter(m -> !m.source().equals(m.target())).toList();
        Set<Path> overlaid = new LinkedHashSet<>();
        List<Path> targets = new ArrayList<>();
        for (BindMount mount : wanted) {
            Path existing = nearestExisting(mount.target());
            Path real = realPath(existing);
            targets.add(real.resolve(existing.relativize(mount.target())));
            if (!existing.equals(mount.target()) && overlaid.stream().noneMatch(real::startsWith)) {
                Path layer = scratch.resolve("overlay-" + overlaid.size());
                mkdirs(layer.resolve("upper"));
                mkdirs(layer.resolve("work"));
                script.append("mount -t overlay overlay -o lowerdir=").append(quote(real))
                        .append(",upperdir=").append(quote(layer.resolve("upper")))
                        .append(",workdir=").append(quote(layer.resolve("work")))
                        .append(' ').append(quote(real)).append('\n');
                overlaid.add(real);
            }
        }
        List<Path> staged = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            Path stage = staging.resolve(Integer.toString(i));
            if (Files.isDirectory(wanted.get(i).source())) {
                mkdirs(stage);
            } else {
                touch(stage);
            }
            script.append("mount --bind ").append(quote(wanted.get(i).source())).append(' ').append(quote(stage)).append('\n');
            staged.add(stage);
        }
        Path realStaging = realPath(staging);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingInt(i -> realStaging.startsWith(targets.get(i)) ? 1 : 0)
                .thenComparingInt(i -> targets.get(i).getNameCount()));
        for (int i : order) {
            Path target = targets.get(i);
            if (Files.isDirectory(wanted.get(i).source())) {
                script.append("mkdir -p ").append(quote(target)).append('\n');
            } else {
                script.append("mkdir -p ").append(quote(target.getParent())).append('\n');
                script.append("[ -e ").append(quote(target)).append(" ] || touch ").append(quote(target)).append('\n');
            }
            script.append("mount --bind ").append(quote(staged.get(i))).append(' ').append(quote(target)).append('\n');
            if (wanted.get(i).readOnly()) {
                script.append("mount -o remount,bind,ro ").append(quote(target)).append('\n');
            }
        }
        script.append("exec \"$@\"\n");
        return script.toString();
    }

    private static void touch(Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    private static Path nearestExisting(Path path) {
        Path current = path;
        while (current != null && !Files.exists(current)) {
            current = current.getParent();
        }
        if (current == null) {
            throw new IllegalArgumentException("no existing ancestor of " + path);
        }
        return current;
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }

    private static void mkdirs(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
    }

    private static String quote(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    public KubeletContainerCgroup cgroup() {
        return cgroup;
    }

    /** The exit code once the process has exited, for a container status. */
    public int exitCode() {
        return process.exitValue();
    }

    /** The last lines of the container's log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the container as a runtime does: SIGTERM, then SIGKILL after the grace period; removes its cgroup. */
    public void stop(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        cgroup.close();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
