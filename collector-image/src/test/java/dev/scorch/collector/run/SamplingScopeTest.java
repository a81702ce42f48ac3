package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.kubernetes.Workload;
import dev.scorch.collector.attribution.LabelSelector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When the run mode samples only the selected pods' cgroups, and why it samples every CPU otherwise. */
class SamplingScopeTest {

    static final Optional<Path> MOUNT = Optional.of(Path.of("/sys/fs/cgroup"));
    static final PolicyConfig.Targets NARROW = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, false);

    static PodInfo pod(String uid, String... containerIds) {
        Map<String, String> containers = new java.util.HashMap<>();
        for (String id : containerIds) {
            containers.put(id, "app");
        }
        return new PodInfo(uid, "shop", "pod-" + uid, "node-1", Map.of(), new Workload("Deployment", "checkout"), containers);
    }

    static Path directory(String uid) {
        return Path.of("/sys/fs/cgroup/kubepods.slice/kubepods-pod" + uid + ".slice");
    }

    @Test
    void selectedPodsWithFoundDirectoriesAreSampledThroughTheirCgroupsOnly() {
        var scope = SamplingScope.of("p", NARROW, MOUNT, List.of(pod("b", "2"), pod("a", "1")), Map.of("a", directory("a"), "b", directory("b")));

        assertThat(scope.everyCpu()).isFalse();
        assertThat(scope.cgroups()).containsExactly(directory("a"), directory("b"));
    }

    @Test
    void aPodWhoseCgroupIsGoneIsLeftOutWhileOthersAreFound() {
        var scope = SamplingScope.of("p", NARROW, MOUNT, List.of(pod("a", "1"), pod("done", "9")), Map.of("a", directory("a")));

        assertThat(scope.cgroups()).containsExactly(directory("a"));
    }

    @Test
    void noSelectedPodMeansNothingIsSampled() {
        var scope = SamplingScope.of("p", NARROW, MOUNT, List.of(pod("pending")), Map.of());

        assertThat(scope.idle()).isTrue();
        assertThat(scope.everyCpu()).isFalse();
    }

    @Test
    void hostProcessesNeedEveryCpu() {
        var targets = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);

        assertThat(SamplingScope.of("p", targets, MOUNT, List.of(pod("a", "1")), Map.of("a", directory("a"))).allCpusReason())
                .contains("host processes");
    }

    @Test
    void withoutACgroupV2MountEveryCpuIsSampled() {
        assertThat(SamplingScope.of("p", NARROW, Optional.empty(), List.of(pod("a", "1")), Map.of()).allCpusReason()).contains("cgroup v2");
    }

    @Test
    void moreSelectedPodsThanTheCgroupBoundMeansEveryCpu() {
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i <= SamplingScope.MAX_CGROUPS; i++) {
            pods.add(pod("p" + i, "c" + i));
        }

        assertThat(SamplingScope.of("p", NARROW, MOUNT, pods, Map.of()).allCpusReason()).contains("33 selected pods");
    }

    @Test
    void selectedPodsWithContainersNoneOfWhichIsFoundMeanAnUnknownLayoutAndEveryCpu() {
        assertThat(SamplingScope.of("p", NARROW, MOUNT, List.of(pod("a", "1")), Map.of()).allCpusReason())
                .contains("no cgroup of the 1 selected pod(s)", "/sys/fs/cgroup/kubepods*");
    }

    @Test
    void severalPoliciesSampleTheUnionOfTheirCgroupsOrEveryCpuWhenOneNeedsIt() {
        SamplingScope a = new SamplingScope(List.of(Path.of("/sys/fs/cgroup/a")), null);
        SamplingScope b = new SamplingScope(List.of(Path.of("/sys/fs/cgroup/b"), Path.of("/sys/fs/cgroup/a")), null);

        assertThat(SamplingScope.union(List.of(a, b)).cgroups()).containsExactly(Path.of("/sys/fs/cgroup/a"), Path.of("/sys/fs/cgroup/b"));
        assertThat(SamplingScope.union(List.of(a, SamplingScope.allCpus("policy fleet profiles host processes"))).allCpusReason())
                .isEqualTo("policy fleet profiles host processes");
        assertThat(SamplingScope.union(List.of()).idle()).isTrue();
    }
}
