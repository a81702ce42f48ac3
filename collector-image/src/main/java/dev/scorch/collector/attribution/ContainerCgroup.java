package dev.scorch.collector.attribution;

import java.util.Optional;

/**
 * What a process's cgroup path says about the container it runs in.
 *
 * @param containerId the runtime's 64-hex container id, as {@code status.containerStatuses[].containerID}
 *     carries it after the {@code <runtime>://} prefix
 * @param runtime the runtime the path names, when it names one
 * @param podUid the pod UID in its canonical dashed form, when the path is a kubelet pod path
 * @param qosClass the pod's QoS class, when the path is a kubelet pod path
 */
public record ContainerCgroup(String containerId, Optional<Runtime> runtime, Optional<String> podUid, Optional<QosClass> qosClass) {

    /** Container runtimes recognised from cgroup names. */
    public enum Runtime {
        CONTAINERD,
        CRIO,
        DOCKER
    }

    /** Kubernetes pod QoS classes, which decide the kubelet's cgroup parent. */
    public enum QosClass {
        GUARANTEED,
        BURSTABLE,
        BESTEFFORT
    }
}
