package dev.scorch.e2e.cgroup;

import java.util.List;

/** A pod's QoS class, which decides the slice a kubelet (systemd cgroup driver) puts it in. */
public enum QosClass {
    GUARANTEED(""),
    BURSTABLE("burstable"),
    BEST_EFFORT("besteffort");

    private final String slice;

    QosClass(String slice) {
        this.slice = slice;
    }

    /**
     * The slices from {@code kubepods.slice} down to the pod's own slice, as the kubelet names
     * them: the pod UID's dashes become underscores because systemd reads a dash as nesting.
     */
    List<String> kubeletSlices(String podUid) {
        String uid = podUid.replace('-', '_');
        if (slice.isEmpty()) {
            return List.of("kubepods.slice", "kubepods-pod" + uid + ".slice");
        }
        return List.of(
                "kubepods.slice",
                "kubepods-" + slice + ".slice",
                "kubepods-" + slice + "-pod" + uid + ".slice");
    }

    /** The class Kubernetes assigns to a pod from its containers' requests and limits. */
    public String kubernetesName() {
        return switch (this) {
            case GUARANTEED -> "Guaranteed";
            case BURSTABLE -> "Burstable";
            case BEST_EFFORT -> "BestEffort";
        };
    }
}
