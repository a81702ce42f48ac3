package dev.scorch.e2e.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.e2e.workload.HotLoopProgram;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletContainerCgroupTest {

    @TempDir
    Path work;

    @Test
    void aLaunchedProcessRunsInTheKubeletShapedCgroupOfItsContainerAndCloseRemovesIt() throws Exception {
        CgroupHierarchies host = CgroupHierarchies.ofThisProcess();
        Tier.END_TO_END.require(host.writable() && HotLoopProgram.compilerAvailable(),
                "needs root with writable cgroup hierarchies " + host.describe() + " and a C compiler (cc)");
        HotLoopProgram program = HotLoopProgram.compile(work, "cgroup_self_test_hot");
        String podUid = UUID.randomUUID().toString();
        String containerId = KubeletContainerCgroup.newContainerId();

        Process process;
        List<Path> directories;
        try (KubeletContainerCgroup cgroup = host.createContainer(QosClass.BURSTABLE, podUid, containerId)) {
            directories = cgroup.directories();
            process = new ProcessBuilder(cgroup.enterThenExec(program.command(1, 100))).start();
            awaitExec(process.pid(), program.hotFunction());
            List<String> procCgroup = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "cgroup"));

            String expectedTail = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + podUid.replace('-', '_') + ".slice/cri-containerd-" + containerId + ".scope";
            assertThat(procCgroup).isNotEmpty().allSatisfy(line -> assertThat(line).endsWith(expectedTail));
            assertThat(procCgroup).hasSize(host.hierarchies().size());
            assertThat(cgroup.pids()).containsExactly(process.pid());

            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(directories).allSatisfy(dir -> assertThat(dir).doesNotExist());
    }

    @Test
    void aPodSliceSharedByTwoContainersOutlivesTheFirstAndGoesWithTheLast() {
        CgroupHierarchies host = CgroupHierarchies.ofThisProcess();
        Tier.END_TO_END.require(host.writable(), "needs root with writable cgroup hierarchies " + host.describe());
        String podUid = UUID.randomUUID().toString();
        KubeletContainerCgroup first = host.createContainer(QosClass.GUARANTEED, podUid, KubeletContainerCgroup.newContainerId());
        KubeletContainerCgroup second = host.createContainer(QosClass.GUARANTEED, podUid, KubeletContainerCgroup.newContainerId());
        Path podSlice = second.directories().getFirst().getParent();

        first.close();
        assertThat(podSlice).isDirectory();
        second.close();
        assertThat(podSlice).doesNotExist();
    }

    /** Waits until the launcher has joined every cgroup and exec'd the program (its comm changes). */
    private static void awaitExec(long pid, String programName) throws Exception {
        Path comm = Path.of("/proc", Long.toString(pid), "comm");
        for (int i = 0; i < 500 && !Files.readString(comm).strip().equals(programName.substring(0, 15)); i++) {
            Thread.sleep(10);
        }
    }
}
