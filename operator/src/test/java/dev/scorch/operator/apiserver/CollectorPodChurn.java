package dev.scorch.operator.apiserver;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A collector pod on a node whose Ready condition flips as fast as the API server takes it, until
 * closed: a stream of collector pod events, each of which reconciles every policy (the pod reports
 * on none) and changes the readiness of the policies that select the node.
 */
final class CollectorPodChurn implements AutoCloseable {
    private final KubernetesClient admin;
    private final String name;
    private final Thread flipper;
    private volatile boolean closed;

    CollectorPodChurn(KubernetesClient admin, String node) {
        this.admin = admin;
        this.name = "scorch-collector-" + node;
        StandIns.collectorPod(admin, node);
        flipper = Thread.ofPlatform().name("collector-pod-churn").start(this::flip);
    }

    private void flip() {
        for (long i = 0; !closed; i++) {
            String ready = i % 2 == 0 ? "True" : "False";
            admin.pods().inNamespace(OperatorUnderTest.NAMESPACE).withName(name).editStatus(p -> new PodBuilder(p)
                    .editOrNewStatus().withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready).build())
                    .endStatus().build());
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        flipper.join();
        admin.pods().inNamespace(OperatorUnderTest.NAMESPACE).withName(name).delete();
    }
}
