package dev.scorch.collector.workload;

import dev.scorch.testenv.Tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Creates cgroup v2 directories shaped like the kubelet's systemd driver with containerd
 * ({@code kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope})
 * and starts processes inside them. {@link #close()} kills the processes and removes the directories.
 */
public final class KubeletCgroups implements AutoCloseable {

    /** A container cgroup and its ids. */
    public record Container(Path directory, String cgroupPath, String podUid, String containerId) {}

    private final Path mount;
    private final List<Container> containers = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();

    public KubeletCgroups(Path unifiedMount) {
        this.mount = unifiedMount;
        Tier.REAL_KERNEL.require(Files.isWritable(unifiedMount.resolve("cgroup.procs")),
                "creating kubelet-shaped cgroups needs root and a writable cgroup v2 mount (" + unifiedMount + ")");
    }

    public Container newContainer() throws IOException {
        String podUid = UUID.randomUUID().toString();
        byte[] id = new byte[32];
        ThreadLocalRandom.current().nextBytes(id);
        String containerId = HexFormat.of().formatHex(id);
        String relative = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podUid.replace('-', '_')
                + ".slice/cri-containerd-" + containerId + ".scope";
        Path directory = mount.resolve(relative);
        for (Path p = directory; !p.equals(mount); p = p.getParent()) {
            if (!Files.exists(p)) {
                created.addFirst(p);
            }
        }
        Files.createDirectories(directory);
        Container container = new Container(directory, "/" + relative, podUid, containerId);
        containers.add(container);
        return container;
    }

    /** Starts {@code command} already inside the container's cgroup (it joins before exec). */
    public Process start(Container container, List<String> command) throws IOException {
        List<String> shell = new ArrayList<>(List.of("sh", "-c",
                "echo $$ > '" + container.directory().resolve("cgroup.procs") + "' && exec \"$@\"", "sh"));
        shell.addAll(command);
        Process process = new ProcessBuilder(shell).redirectErrorStream(true).start();
        processes.add(process);
        return process;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
        }
        // Deepest first; a directory shared with another test's pod stays.
        for (Path dir : created.reversed()) {
            removeWhenEmpty(dir);
        }
    }

    /** The kernel frees a cgroup shortly after its last task is reaped; a shared parent stays. */
    private static void removeWhenEmpty(Path dir) throws InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
    }
}
