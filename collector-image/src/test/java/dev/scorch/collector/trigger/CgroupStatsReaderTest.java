package dev.scorch.collector.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on cgroup trees laid out as the kernel lays them out (files written by the test). */
class CgroupStatsReaderTest {

    private static final String CONTAINER = "/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope";

    @TempDir
    Path root;

    private Path write(Path mount, String file, String content) throws Exception {
        Path dir = mount.resolve(CONTAINER.substring(1));
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(file), content);
    }

    @Test
    void cgroupV2GivesCpuMemoryAndLimits() throws Exception {
        Path v2 = root.resolve("unified");
        write(v2, "cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
        write(v2, "memory.current", "73400320\n");
        write(v2, "memory.max", "134217728\n");
        write(v2, "cpu.max", "150000 100000\n");

        CgroupStats stats = new CgroupStatsReader(v2, Map.of()).read(CONTAINER);

        assertThat(stats).isEqualTo(new CgroupStats(2_500_000_000L, 73_400_320, 134_217_728, 1.5));
    }

    @Test
    void cgroupV2WithoutLimitsSaysNone() throws Exception {
        Path v2 = root.resolve("unified");
        write(v2, "cpu.stat", "usage_usec 1\n");
        write(v2, "memory.current", "4096\n");
        write(v2, "memory.max", "max\n");
        write(v2, "cpu.max", "max 100000\n");

        CgroupStats stats = new CgroupStatsReader(v2, Map.of()).read(CONTAINER);

        assertThat(stats.memoryLimitBytes()).isZero();
        assertThat(stats.cpuLimitCores()).isZero();
    }

    @Test
    void cgroupV1GivesCpuMemoryAndLimits() throws Exception {
        Path cpuacct = root.resolve("cpuacct");
        Path memory = root.resolve("memory");
        Path cpu = root.resolve("cpu");
        write(cpuacct, "cpuacct.usage", "987654321\n");
        write(memory, "memory.usage_in_bytes", "1048576\n");
        write(memory, "memory.limit_in_bytes", "9223372036854771712\n");
        write(cpu, "cpu.cfs_quota_us", "50000\n");
        write(cpu, "cpu.cfs_period_us", "100000\n");

        CgroupStats stats = new CgroupStatsReader(null, Map.of("cpuacct", cpuacct, "memory", memory, "cpu", cpu)).read(CONTAINER);

        assertThat(stats).isEqualTo(new CgroupStats(987_654_321L, 1_048_576, 0, 0.5));
    }

    @Test
    void aHybridHostTakesCpuFromV2AndMemoryFromV1() throws Exception {
        Path v2 = root.resolve("unified");
        Path memory = root.resolve("memory");
        write(v2, "cpu.stat", "usage_usec 7\n");
        write(memory, "memory.usage_in_bytes", "2048\n");
        write(memory, "memory.limit_in_bytes", "4096\n");

        CgroupStats stats = new CgroupStatsReader(v2, Map.of("memory", memory)).read(CONTAINER);

        assertThat(stats).isEqualTo(new CgroupStats(7_000, 2048, 4096, 0));
    }

    @Test
    void mountsAreFoundInProcSelfMounts() throws Exception {
        CgroupStatsReader reader = CgroupStatsReader.fromMounts(List.of(
                "cgroup2 " + root.resolve("unified") + " cgroup2 rw,nosuid,nodev,noexec,relatime 0 0",
                "cgroup " + root.resolve("memory") + " cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0"));
        write(root.resolve("unified"), "cpu.stat", "usage_usec 3\n");
        write(root.resolve("memory"), "memory.usage_in_bytes", "5\n");

        assertThat(reader.read(CONTAINER)).isEqualTo(new CgroupStats(3_000, 5, 0, 0));
    }

    @Test
    void aContainerWithoutCpuAccountingIsAnErrorNamingTheFiles() {
        assertThatThrownBy(() -> new CgroupStatsReader(root.resolve("unified"), Map.of()).read(CONTAINER))
                .hasMessageContaining("no CPU accounting for cgroup '" + CONTAINER + "'")
                .hasMessageContaining("cpu.stat");
    }

    @Test
    void aPathLeavingTheMountIsRefused() {
        assertThatThrownBy(() -> new CgroupStatsReader(root, Map.of()).read("/../../etc")).hasMessageContaining("leaves the cgroup mount");
    }

    @Test
    void garbageInACounterFileIsAnErrorNamingTheFile() throws Exception {
        Path v2 = root.resolve("unified");
        write(v2, "cpu.stat", "usage_usec lots\n");

        assertThatThrownBy(() -> new CgroupStatsReader(v2, Map.of()).read(CONTAINER)).hasMessageContaining("cpu.stat");
    }
}
