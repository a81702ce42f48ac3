package dev.scorch.operator.apiserver;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What tier 3 has no controller or kubelet to write, written by the test as they would: Nodes,
 * the collector pods the DaemonSet controller makes, their conditions, the DaemonSet's status.
 */
final class StandIns {
    private static final String NS = OperatorUnderTest.NAMESPACE;

    private StandIns() {}

    /** Creates or replaces the Linux Node {@code name} with {@code labels} and {@code taints}. */
    static void node(KubernetesClient admin, String name, Map<String, String> labels, List<Taint> taints) {
        Map<String, String> linux = new HashMap<>(labels);
        linux.put("kubernetes.io/os", "linux");
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(linux).endMetadata()
                .withNewSpec().withTaints(taints).endSpec().build()).serverSideApply();
    }

    /** The collector pod the DaemonSet controller would make on {@code node}, named after it. */
    static Pod collectorPod(KubernetesClient admin, String node) {
        return admin.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("scorch-collector-" + node)
                .withLabels(Map.of("app.kubernetes.io/name", "scorch-collector", "app.kubernetes.io/component", "node-collector",
                        "app.kubernetes.io/managed-by", "scorch-operator"))
                .endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName("scorch-collector")
                .addNewContainer().withName("collector").withImage("scorch-collector:test").endContainer()
                .endSpec().build()).create();
    }

    /** The pod condition a collector writes for one policy it serves. */
    static PodCondition collecting(String policy, String status, String reason, String message, Instant lastExport) {
        return new PodConditionBuilder().withType(policy + ".policy.scorch.dev/Collecting").withStatus(status).withReason(reason)
                .withMessage(message).withLastProbeTime(lastExport.toString())
                .withLastTransitionTime(lastExport.toString()).build();
    }

    /** The kubelet's Ready condition. */
    static PodCondition ready(String status) {
        return new PodConditionBuilder().withType("Ready").withStatus(status)
                .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build();
    }

    static void setPodConditions(KubernetesClient admin, String pod, PodCondition... conditions) {
        admin.pods().inNamespace(NS).withName(pod).editStatus(p -> new PodBuilder(p)
                .editOrNewStatus().withConditions(conditions).endStatus().build());
    }

    /**
     * What the DaemonSet controller writes once the current template runs on all of 3 nodes; like
     * the controller, it reads again and retries when the operator changed the DaemonSet meanwhile.
     */
    static void daemonSetRolledOut(KubernetesClient admin) {
        for (int attempt = 1; ; attempt++) {
            try {
                admin.apps().daemonSets().inNamespace(NS).withName("scorch-collector").editStatus(ds -> {
                    ds.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(3)
                            .withCurrentNumberScheduled(3).withNumberReady(3).withUpdatedNumberScheduled(3)
                            .withNumberAvailable(3).withNumberMisscheduled(0)
                            .withObservedGeneration(ds.getMetadata().getGeneration()).build());
                    return ds;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
