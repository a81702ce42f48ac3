package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.kubernetes.PodInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pod cgroup directories found through container directories, in the kubelet's two layouts. */
class PodCgroupDirectoriesTest {

    static final String ID_A = "a".repeat(64);
    static final String ID_B = "b".repeat(64);

    @TempDir
    Path mount;

    @Test
    void theSystemdDriversPodSliceIsTheParentOfTheContainerScope() throws Exception {
        Path pod = mount.resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice");
        Files.createDirectories(pod.resolve("cri-containerd-" + ID_A + ".scope"));
        PodInfo info = SamplingScopeTest.pod("uid-1", ID_A);

        assertThat(new PodCgroupDirectories(mount).find(List.of(info))).containsEntry("uid-1", pod);
    }

    @Test
    void theCgroupfsDriversPodDirectoryIsTheParentOfTheContainerDirectory() throws Exception {
        Path pod = mount.resolve("kubepods/besteffort/pod1234-5678");
        Files.createDirectories(pod.resolve(ID_B));
        PodInfo info = SamplingScopeTest.pod("uid-2", ID_B);

        assertThat(new PodCgroupDirectories(mount).find(List.of(info))).containsEntry("uid-2", pod);
    }

    @Test
    void aContainerThatAppearsLaterIsFoundByWalkingAgain() throws Exception {
        PodCgroupDirectories directories = new PodCgroupDirectories(mount);
        PodInfo info = SamplingScopeTest.pod("uid-3", ID_A);
        assertThat(directories.find(List.of(info))).isEmpty();

        Path pod = mount.resolve("kubepods.slice/kubepods-pod9_9.slice");
        Files.createDirectories(pod.resolve("crio-" + ID_A + ".scope"));

        assertThat(directories.find(List.of(info))).containsEntry("uid-3", pod);
    }

    @Test
    void directoriesOutsideKubepodsAreNotPods() throws Exception {
        Files.createDirectories(mount.resolve("system.slice/docker-" + ID_A + ".scope"));

        assertThat(new PodCgroupDirectories(mount).find(List.of(SamplingScopeTest.pod("uid-4", ID_A)))).isEmpty();
    }

    @Test
    void eachContainerIsFoundInItsOwnDirectoryAndAnExitedOneIsLeftOut() throws Exception {
        Path pod = mount.resolve("kubepods.slice/kubepods-pod7_7.slice");
        Files.createDirectories(pod.resolve("cri-containerd-" + ID_A + ".scope"));
        PodInfo info = SamplingScopeTest.pod("uid-5", ID_A, ID_B);

        assertThat(new PodCgroupDirectories(mount).containers(List.of(info)))
                .containsExactly(java.util.Map.entry(ID_A, pod.resolve("cri-containerd-" + ID_A + ".scope")));
    }
}
