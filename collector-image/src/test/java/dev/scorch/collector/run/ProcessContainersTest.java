package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProcessContainersTest {

    static final String API = "a".repeat(64);
    static final String WORKER = "b".repeat(64);

    final Map<Integer, String> cgroupFiles = new HashMap<>();
    final Map<Integer, Integer> reads = new HashMap<>();
    final AtomicLong clock = new AtomicLong();
    final ProcessContainers containers = new ProcessContainers(pid -> {
        reads.merge(pid, 1, Integer::sum);
        return Optional.ofNullable(cgroupFiles.get(pid));
    }, clock::get);

    @Test
    void aPidsCgroupFileIsReadOnceUntilThePidIsForgotten() {
        cgroupFiles.put(100, PodTargetResolverTest.kubepods(API));

        containers.of(100);
        containers.of(100);
        containers.forget(100);
        containers.of(100);

        assertThat(reads).containsEntry(100, 2);
    }

    @Test
    void theProcessesOfOneContainerShareOneEntryDatedByTheFirstSeen() {
        cgroupFiles.put(100, PodTargetResolverTest.kubepods(API));
        cgroupFiles.put(101, PodTargetResolverTest.kubepods(API));
        cgroupFiles.put(200, PodTargetResolverTest.kubepods(WORKER));

        ProcessContainers.Container first = containers.of(100);
        clock.addAndGet(5_000_000_000L);

        assertThat(containers.of(101)).isSameAs(first);
        assertThat(first.firstSeenNanos()).isZero();
        assertThat(containers.of(200).cgroup().containerId()).isEqualTo(WORKER);
        assertThat(containers.containers()).isEqualTo(2);
    }

    @Test
    void aContainerGoesWithTheLastOfItsProcesses() {
        cgroupFiles.put(100, PodTargetResolverTest.kubepods(API));
        cgroupFiles.put(101, PodTargetResolverTest.kubepods(API));
        containers.of(100);
        containers.of(101);

        containers.forget(100);
        assertThat(containers.containers()).isEqualTo(1);
        containers.forget(101);

        assertThat(containers.containers()).isZero();
        assertThat(containers.pids()).isZero();
    }

    @Test
    void pastItsBoundAPidsContainerIsAnsweredWithoutBeingKept() {
        ProcessContainers bounded = new ProcessContainers(pid -> {
            reads.merge(pid, 1, Integer::sum);
            return Optional.ofNullable(cgroupFiles.get(pid));
        }, clock::get, 2);
        cgroupFiles.put(100, PodTargetResolverTest.kubepods(API));
        cgroupFiles.put(101, PodTargetResolverTest.kubepods(WORKER));
        cgroupFiles.put(102, PodTargetResolverTest.kubepods(API));
        bounded.of(100);
        bounded.of(101);
        bounded.of(102);

        assertThat(bounded.of(102)).as("the kept container of its pid 100").isSameAs(bounded.of(100));
        assertThat(bounded.pids()).isEqualTo(2);
        assertThat(reads).containsEntry(102, 2);
        bounded.forget(100);
        assertThat(bounded.containers()).as("102 held no share of it").isEqualTo(1);
    }

    @Test
    void hostProcessesAndVanishedOnesAreOutsideAnyContainerAndShareNothingPerContainer() {
        cgroupFiles.put(200, "0::/system.slice/sshd.service\n");

        assertThat(containers.of(200)).isSameAs(ProcessContainers.NONE);
        assertThat(containers.of(999)).isSameAs(ProcessContainers.NONE);
        assertThat(containers.containers()).isZero();
    }
}
