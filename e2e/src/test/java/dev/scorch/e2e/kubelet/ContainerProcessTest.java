package dev.scorch.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.e2e.cgroup.CgroupHierarchies;
import dev.scorch.e2e.cgroup.KubeletContainerCgroup;
import dev.scorch.e2e.cgroup.QosClass;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerProcessTest {

    @TempDir
    Path work;

    @Test
    void theContainerSeesItsVolumesAtTheirMountPathsEvenUnderAMountedTmpWhileTheHostStaysUntouched() throws Exception {
        CgroupHierarchies host = CgroupHierarchies.ofThisProcess();
        Tier.END_TO_END.require(host.writable() && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root (mount namespaces, cgroups) and util-linux unshare");
        Path config = Files.createDirectories(work.resolve("config"));
        Files.writeString(config.resolve("collector.json"), "{\"policy\":\"p\"}");
        Path spool = Files.createDirectories(work.resolve("spool"));
        Path log = work.resolve("container.log");
        Path mountPath = Path.of("/etc/scorch-e2e-selftest/config");

        KubeletContainerCgroup cgroup = host.createContainer(QosClass.BEST_EFFORT, UUID.randomUUID().toString(), KubeletContainerCgroup.newContainerId());
        try (ContainerProcess container = ContainerProcess.start("selftest", cgroup,
                List.of(new BindMount(Files.createDirectories(work.resolve("empty-dir")), Path.of("/tmp"), false),
                        new BindMount(config, mountPath, true),
                        new BindMount(spool, Path.of("/var/lib/scorch-e2e-selftest/spool"), false)),
                Map.of("PATH", "/usr/bin:/bin", "GREETING", "hello"),
                List.of("/bin/sh", "-c", "cat /etc/scorch-e2e-selftest/config/collector.json; echo; echo $GREETING;"
                        + " touch /etc/scorch-e2e-selftest/config/x 2>/dev/null || echo read-only;"
                        + " echo spooled > /var/lib/scorch-e2e-selftest/spool/one; grep -c kubepods /proc/self/cgroup"),
                work.resolve("scratch"), log)) {
            awaitExit(container);
            assertThat(container.exitCode()).as(container.logTail(20)).isZero();
        }

        assertThat(Files.readAllLines(log)).containsSubsequence("{\"policy\":\"p\"}", "hello", "read-only");
        assertThat(Files.readAllLines(log).getLast()).isEqualTo(Integer.toString(host.count()));
        assertThat(spool.resolve("one")).hasContent("spooled");
        assertThat(Path.of("/etc/scorch-e2e-selftest")).doesNotExist();
        assertThat(Path.of("/var/lib/scorch-e2e-selftest")).doesNotExist();
    }

    private static void awaitExit(ContainerProcess container) throws InterruptedException {
        for (int i = 0; i < 300 && container.isAlive(); i++) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
