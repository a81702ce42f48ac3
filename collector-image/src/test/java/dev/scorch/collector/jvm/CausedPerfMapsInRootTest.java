package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.symbol.PlantedContainerRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A containerized JVM as the collector sees it from the host (a fake {@code /proc} whose
 * {@code <pid>/root} is a planted container root): the JVM's map is reached inside that root,
 * through a living process of the same mount namespace once the JVM has exited; symlinks planted
 * to host files are never followed, and a reused pid is another process.
 */
class CausedPerfMapsInRootTest {

    private static final int JVM = PlantedContainerRoot.PID;
    private static final int NS_PID = 7;
    private static final int PEER = 100;
    private static final String MAP = "/tmp/perf-" + NS_PID + ".map";

    @TempDir
    Path dir;

    private PlantedContainerRoot container;
    private Path proc;
    private Path hostFile;

    @BeforeEach
    void containerWithAJvmAndItsInit() throws Exception {
        container = new PlantedContainerRoot(dir);
        proc = container.proc();
        Files.writeString(proc.resolve("stat"), "cpu  1 2 3 4\nbtime 1700000000\n");
        process(JVM, 5000, PEER);
        process(PEER, 4000, 1);
        // The peer's root is the same container root, as the kernel's /proc/<pid>/root of two processes in one container.
        Files.createSymbolicLink(proc.resolve(PEER + "/root"), proc.resolve(JVM + "/root"));
        Files.createDirectories(container.file("/tmp/x").getParent());
        hostFile = Files.writeString(dir.resolve("host-secret"), "a host file");
    }

    @Test
    void theMapIsRemovedInsideTheRootThroughALivingProcessOfItsMountNamespace() throws Exception {
        CausedPerfMaps maps = askAndWrite();

        exit(JVM);
        assertThat(maps.removeExited()).isEqualTo(1);

        assertThat(container.file(MAP)).doesNotExist();
        assertThat(maps.outcomes()).isEqualTo(Map.of("removed", 1L));
    }

    @Test
    void aMapReplacedByASymlinkToAHostFileIsNeitherFollowedNorRemoved() throws Exception {
        CausedPerfMaps maps = askAndWrite();
        Files.delete(container.file(MAP));
        container.link(MAP, hostFile);

        exit(JVM);
        maps.removeExited();

        assertThat(Files.isSymbolicLink(container.file(MAP))).isTrue();
        assertThat(hostFile).hasContent("a host file");
        assertThat(maps.outcomes()).isEqualTo(Map.of("gone", 1L));
    }

    @Test
    void aTmpPlantedAsASymlinkOutOfTheRootIsResolvedInsideIt() throws Exception {
        Path hostTmp = Files.createDirectories(dir.resolve("host-tmp"));
        Path hostMap = Files.writeString(hostTmp.resolve("perf-" + NS_PID + ".map"), "a host map");
        CausedPerfMaps maps = askAndWrite();
        Path tmp = container.file(MAP).getParent();
        Files.delete(container.file(MAP));
        Files.delete(tmp);
        container.climbingLink("/tmp", hostTmp);

        exit(JVM);
        maps.removeExited();

        assertThat(hostMap).hasContent("a host map");
        assertThat(maps.outcomes()).isEqualTo(Map.of("gone", 1L));
    }

    @Test
    void aReusedPidIsAnotherProcessAndTheMapItWroteIsKept() throws Exception {
        CausedPerfMaps maps = askAndWrite();

        process(JVM, 9000, PEER); // the JVM exited and its pid now names a newer process, which wrote its own map
        Files.writeString(container.file(MAP), "7f0000001000 40 the new process's own method\n");
        Files.setLastModifiedTime(container.file(MAP), FileTime.from(Instant.now().plusSeconds(5)));
        maps.removeExited();

        assertThat(container.file(MAP)).exists();
        assertThat(maps.outcomes()).isEqualTo(Map.of("kept_rewritten", 1L));
    }

    @Test
    void withoutALivingPeerTheMapIsLeftToGoWithItsContainer() throws Exception {
        CausedPerfMaps maps = askAndWrite();

        exit(JVM);
        exit(PEER);
        maps.removeExited();

        assertThat(container.file(MAP)).exists();
        assertThat(maps.outcomes()).isEqualTo(Map.of("gone", 1L));
    }

    @Test
    void aMapWrittenOnARequestInFlightAtTheEndIsRemovedOnceWritten() throws Exception {
        CausedPerfMaps maps = new CausedPerfMaps(proc);
        maps.beforeRequest(JVM, NS_PID);

        assertThat(maps.removeAll()).as("nothing written yet").isZero();
        Files.writeString(container.file(MAP), "7f0000000000 40 void Main.hot()\n");
        maps.afterRequest(JVM);

        assertThat(container.file(MAP)).doesNotExist();
        assertThat(maps.outcomes()).isEqualTo(Map.of("removed", 1L));
    }

    @Test
    void theEndRemovesTheMapOfAnEarlierRequestAndTheOneARequestInFlightWrites() throws Exception {
        CausedPerfMaps maps = askAndWrite();
        maps.beforeRequest(JVM, NS_PID);

        assertThat(maps.removeAll()).isEqualTo(1);
        Files.writeString(container.file(MAP), "7f0000000000 40 void Main.hot()\n7f0000000040 40 void Main.warm()\n");
        maps.afterRequest(JVM);

        assertThat(container.file(MAP)).doesNotExist();
        assertThat(maps.outcomes()).isEqualTo(Map.of("removed", 2L));
    }

    /** The collector's first request to the JVM, and the map the JVM writes on it. */
    private CausedPerfMaps askAndWrite() throws Exception {
        CausedPerfMaps maps = new CausedPerfMaps(proc);
        maps.beforeRequest(JVM, NS_PID);
        Files.writeString(container.file(MAP), "7f0000000000 40 void Main.hot()\n");
        maps.afterRequest(JVM);
        return maps;
    }

    /** A running process in the container's mount namespace: its stat (start time), status (parent) and ns/mnt. */
    private void process(int pid, long startTicks, int parent) throws Exception {
        Path dirOf = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dirOf.resolve("stat"), pid + " (java) S " + "0 ".repeat(18) + startTicks + " 0 0\n");
        Files.writeString(dirOf.resolve("status"), "Name:\tjava\nPPid:\t" + parent + "\n");
        Path ns = Files.createDirectories(dirOf.resolve("ns"));
        if (!Files.isSymbolicLink(ns.resolve("mnt"))) {
            Files.createSymbolicLink(ns.resolve("mnt"), Path.of("mnt:[4026532999]"));
        }
    }

    private void exit(int pid) throws Exception {
        Files.delete(proc.resolve(pid + "/stat"));
    }
}
