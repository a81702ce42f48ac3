package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes pod status the way the parts missing from a simulated cluster would: a collector setting
 * its own readiness-gate condition, and the kubelet recomputing {@code Ready} from containers and
 * gates, or reporting containers in CrashLoopBackOff or ImagePullBackOff.
 *
 * <p>kwok moves pods to Running once; after that, only these writes change their status.
 */
public final class PodStatusSimulation {

    private final KubernetesClient client;

    public PodStatusSimulation(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Sets condition {@code type} (e.g. a readiness gate such as {@code scorch.dev/Collecting}) on
     * the pod and recomputes {@code Ready} as the kubelet does: True only when the containers are
     * ready and every readiness gate's condition is True.
     */
    public Pod setCondition(String namespace, String name, String type, boolean status, String reason, String message) {
        return setCondition(namespace, name, type, status, reason, message, null);
    }

    /**
     * As {@link #setCondition(String, String, String, boolean, String, String)}, also setting the
     * condition's {@code lastProbeTime} (the collector's last successful export, per
     * docs/contracts.md).
     */
    public Pod setCondition(String namespace, String name, String type, boolean status, String reason, String message,
            Instant lastProbeTime) {
        return client.pods().inNamespace(namespace).withName(name).editStatus(pod -> {
            List<PodCondition> conditions = new ArrayList<>(conditions(pod));
            PodCondition condition = condition(type, status, reason, message);
            if (lastProbeTime != null) {
                condition.setLastProbeTime(lastProbeTime.truncatedTo(ChronoUnit.SECONDS).toString());
            }
            upsert(conditions, condition);
            upsert(conditions, readyAsTheKubeletComputesIt(pod, conditions));
            pod.getStatus().setConditions(conditions);
            return pod;
        });
    }

    /**
     * Sets several conditions in one status write (a collector serving many policies writes its
     * node condition and one per policy), then Ready as the kubelet computes it.
     */
    public Pod setConditions(String namespace, String name, List<PodCondition> written) {
        return client.pods().inNamespace(namespace).withName(name).editStatus(pod -> {
            List<PodCondition> conditions = new ArrayList<>(conditions(pod));
            written.forEach(condition -> upsert(conditions, condition));
            upsert(conditions, readyAsTheKubeletComputesIt(pod, conditions));
            pod.getStatus().setConditions(conditions);
            return pod;
        });
    }

    /**
     * Reports every container of the pod as restarting in a loop: waiting with reason
     * CrashLoopBackOff and {@code message}, several restarts, not ready; the pod unready.
     */
    public Pod crashLoop(String namespace, String name, String message) {
        return containersWaiting(namespace, name, "CrashLoopBackOff", message, 6);
    }

    /**
     * Reports every container of the pod as never started because its image cannot be pulled:
     * waiting with reason ImagePullBackOff and {@code message}, not ready; the pod unready.
     */
    public Pod imagePullBackOff(String namespace, String name, String message) {
        return containersWaiting(namespace, name, "ImagePullBackOff", message, 0);
    }

    private Pod containersWaiting(String namespace, String name, String reason, String message, int restarts) {
        return client.pods().inNamespace(namespace).withName(name).editStatus(pod -> {
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            List<ContainerStatus> statuses = pod.getSpec().getContainers().stream()
                    .map(container -> {
                        ContainerStatusBuilder status = new ContainerStatusBuilder()
                                .withName(container.getName())
                                .withImage(container.getImage())
                                .withReady(false)
                                .withStarted(false)
                                .withRestartCount(restarts)
                                .withNewState().withNewWaiting()
                                    .withReason(reason)
                                    .withMessage(message)
                                .endWaiting().endState();
                        if (restarts > 0) {
                            status.withNewLastState().withNewTerminated()
                                    .withExitCode(1).withReason("Error").withFinishedAt(now)
                                    .endTerminated().endLastState();
                        }
                        return status.build();
                    })
                    .toList();
            pod.getStatus().setContainerStatuses(statuses);
            List<PodCondition> conditions = new ArrayList<>(conditions(pod));
            upsert(conditions, condition("ContainersReady", false, "ContainersNotReady",
                    "containers with unready status: " + statuses.stream().map(ContainerStatus::getName).toList()));
            upsert(conditions, readyAsTheKubeletComputesIt(pod, conditions));
            pod.getStatus().setConditions(conditions);
            return pod;
        });
    }

    /**
     * Whether the pod's {@code Ready} condition disagrees with what the kubelet would compute from
     * its containers and readiness gates (kwok may replay a stale status over a newer one).
     */
    static boolean readyIsStale(Pod pod) {
        if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        List<PodCondition> conditions = conditions(pod);
        PodCondition computed = readyAsTheKubeletComputesIt(pod, conditions);
        return conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                .map(current -> !Objects.equals(current.getStatus(), computed.getStatus())
                        || !Objects.equals(current.getReason(), computed.getReason()))
                .orElse(true);
    }

    /** Writes {@code Ready} as the kubelet computes it, leaving every other condition alone. */
    public Pod recomputeReady(String namespace, String name) {
        return client.pods().inNamespace(namespace).withName(name).editStatus(pod -> {
            List<PodCondition> conditions = new ArrayList<>(conditions(pod));
            upsert(conditions, readyAsTheKubeletComputesIt(pod, conditions));
            pod.getStatus().setConditions(conditions);
            return pod;
        });
    }

    private static PodCondition readyAsTheKubeletComputesIt(Pod pod, List<PodCondition> conditions) {
        if (!isTrue(conditions, "ContainersReady")) {
            return condition("Ready", false, "ContainersNotReady", "containers are not ready");
        }
        List<String> gates = pod.getSpec().getReadinessGates() == null ? List.of()
                : pod.getSpec().getReadinessGates().stream().map(PodReadinessGate::getConditionType).toList();
        List<String> unmet = gates.stream().filter(gate -> !isTrue(conditions, gate)).toList();
        if (!unmet.isEmpty()) {
            return condition("Ready", false, "ReadinessGatesNotReady", "readiness gates not True: " + unmet);
        }
        return condition("Ready", true, null, null);
    }

    private static List<PodCondition> conditions(Pod pod) {
        return pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
    }

    private static boolean isTrue(List<PodCondition> conditions, String type) {
        return conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Replaces the condition of the same type, keeping its transition time when the status holds. */
    private static void upsert(List<PodCondition> conditions, PodCondition replacement) {
        for (int i = 0; i < conditions.size(); i++) {
            PodCondition existing = conditions.get(i);
            if (existing.getType().equals(replacement.getType())) {
                if (Objects.equals(existing.getStatus(), replacement.getStatus())) {
                    replacement.setLastTransitionTime(existing.getLastTransitionTime());
                }
                conditions.set(i, replacement);
                return;
            }
        }
        conditions.add(replacement);
    }

    private static PodCondition condition(String type, boolean status, String reason, String message) {
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .build();
    }
}
