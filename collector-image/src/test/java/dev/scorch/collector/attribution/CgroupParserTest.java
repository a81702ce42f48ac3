package dev.scorch.collector.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.attribution.ContainerCgroup.QosClass;
import dev.scorch.collector.attribution.ContainerCgroup.Runtime;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Path shapes as kubelet, containerd, CRI-O and Docker create them (ids and UIDs made up). */
class CgroupParserTest {

    static final String ID = "4e1f3c0b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
    static final String OUTER = "d6701ec289c56e4391acb11d07474b3139466857a305490575508a8b7a9fcf22";
    static final String UID = "0f2a7c1e-5b3d-4e8f-9a6b-2c4d6e8f0a1b";
    static final String UID_ = UID.replace('-', '_');

    static Stream<Arguments> containerPaths() {
        return Stream.of(
                Arguments.of("v2 systemd containerd burstable",
                        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope\n",
                        Optional.of(Runtime.CONTAINERD), UID, QosClass.BURSTABLE),
                Arguments.of("v2 systemd containerd besteffort",
                        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope\n",
                        Optional.of(Runtime.CONTAINERD), UID, QosClass.BESTEFFORT),
                Arguments.of("v2 systemd CRI-O guaranteed (no QoS slice)",
                        "0::/kubepods.slice/kubepods-pod" + UID_ + ".slice/crio-" + ID + ".scope\n",
                        Optional.of(Runtime.CRIO), UID, QosClass.GUARANTEED),
                Arguments.of("v2 systemd CRI-O with crun's inner container cgroup",
                        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/crio-" + ID + ".scope/container\n",
                        Optional.of(Runtime.CRIO), UID, QosClass.BURSTABLE),
                Arguments.of("v2 cgroupfs containerd burstable",
                        "0::/kubepods/burstable/pod" + UID + "/" + ID + "\n",
                        Optional.empty(), UID, QosClass.BURSTABLE),
                Arguments.of("v2 cgroupfs guaranteed",
                        "0::/kubepods/pod" + UID + "/" + ID + "\n",
                        Optional.empty(), UID, QosClass.GUARANTEED),
                Arguments.of("v2 seen from a private cgroup namespace (relative path)",
                        "0::/../../kubepods-besteffort-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope\n",
                        Optional.of(Runtime.CONTAINERD), UID, QosClass.BESTEFFORT),
                Arguments.of("v1 cgroupfs besteffort, every controller",
                        "12:perf_event:/kubepods/besteffort/pod" + UID + "/" + ID + "\n"
                                + "11:memory:/kubepods/besteffort/pod" + UID + "/" + ID + "\n"
                                + "2:cpu,cpuacct:/kubepods/besteffort/pod" + UID + "/" + ID + "\n"
                                + "1:name=systemd:/kubepods/besteffort/pod" + UID + "/" + ID + "\n",
                        Optional.empty(), UID, QosClass.BESTEFFORT),
                Arguments.of("v1 systemd Docker guaranteed",
                        "10:devices:/kubepods.slice/kubepods-pod" + UID_ + ".slice/docker-" + ID + ".scope\n"
                                + "1:name=systemd:/kubepods.slice/kubepods-pod" + UID_ + ".slice/docker-" + ID + ".scope\n",
                        Optional.of(Runtime.DOCKER), UID, QosClass.GUARANTEED),
                Arguments.of("v1 hybrid: unified line empty, controllers name the container",
                        "12:cpu,cpuacct:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope\n"
                                + "1:name=systemd:/system.slice/containerd.service\n0::/\n",
                        Optional.of(Runtime.CONTAINERD), UID, QosClass.BURSTABLE),
                Arguments.of("kubelet nested in a Docker container (kind, minikube): the inner container wins",
                        "0::/docker/" + OUTER + "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/crio-" + ID + ".scope\n",
                        Optional.of(Runtime.CRIO), UID, QosClass.BESTEFFORT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containerPaths")
    void findsContainerPodAndQos(String shape, String content, Optional<Runtime> runtime, String podUid, QosClass qos) {
        assertThat(CgroupParser.parse(content))
                .contains(new ContainerCgroup(ID, runtime, Optional.of(podUid), Optional.of(qos)));
    }

    static Stream<Arguments> plainContainerPaths() {
        return Stream.of(
                Arguments.of("Docker, cgroupfs", "4:memory:/docker/" + ID + "\n", Optional.of(Runtime.DOCKER)),
                Arguments.of("Docker, systemd", "0::/system.slice/docker-" + ID + ".scope\n", Optional.of(Runtime.DOCKER)),
                Arguments.of("Debian Docker, bare id at the root", "9:perf_event:/" + ID + "\n", Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plainContainerPaths")
    void aContainerOutsideKubernetesHasNoPod(String shape, String content, Optional<Runtime> runtime) {
        assertThat(CgroupParser.parse(content)).contains(new ContainerCgroup(ID, runtime, Optional.empty(), Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0::/init.scope\n",
        "0::/system.slice/containerd.service\n",
        "0::/user.slice/user-1000.slice/session-3.scope\n",
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f2a7c1e_5b3d_4e8f_9a6b_2c4d6e8f0a1b.slice/"
                + "crio-conmon-4e1f3c0b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f.scope\n",
        "12:cpu:/\n1:name=systemd:/\n",
        "0::/\n"
    })
    void hostProcessesAndRuntimeHelpersHaveNoContainer(String content) {
        assertThat(CgroupParser.parse(content)).isEmpty();
    }

    static Stream<String> hostileContent() {
        return Stream.of(
                "",
                "garbage without colons",
                "0::",
                "::::::::",
                "0::/docker-XYZ.scope\n",
                "0::/kubepods/podnot-a-uid/" + ID + "x\n",
                "\u0000\u0001\uffff:\n:\n",
                "0::/" + "a/".repeat(10000),
                ("0::/" + "x".repeat(300) + "\n").repeat(200));
    }

    @ParameterizedTest
    @MethodSource("hostileContent")
    void hostileContentYieldsNothingAndNeverThrows(String content) {
        assertThat(CgroupParser.parse(content)).isEmpty();
    }

    @Test
    void aCraftedPodDirectoryNameOnlyNamesAPodWhenItIsAUid() {
        assertThat(CgroupParser.parse("0::/kubepods/burstable/podEVIL/" + ID + "\n"))
                .contains(new ContainerCgroup(ID, Optional.empty(), Optional.empty(), Optional.empty()));
    }
}
