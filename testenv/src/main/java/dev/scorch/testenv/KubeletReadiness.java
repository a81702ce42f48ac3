package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Set;

/**
 * The part of the kubelet kwok lacks: keeping each pod's {@code Ready} condition equal to "containers
 * ready and every readiness gate True" whenever the pod changes.
 *
 * <p>Needed because kwok plays a pod stage from the pod as its informer last saw it; under load a
 * stage can be played a second time from a stale copy after the test already set a readiness gate,
 * and would leave {@code Ready=False} next to a True gate for good. A real kubelet recomputes
 * readiness on every status sync, and so does this.
 */
final class KubeletReadiness implements AutoCloseable {

    private final SharedIndexInformer<Pod> informer;

    private KubeletReadiness(SharedIndexInformer<Pod> informer) {
        this.informer = informer;
    }

    /** Watches every pod bound to one of {@code nodes} (a live view of kwok's node names). */
    static KubeletReadiness start(KubernetesClient admin, Set<String> nodes) {
        PodStatusSimulation kubelet = new PodStatusSimulation(admin);
        SharedIndexInformer<Pod> informer = admin.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                correct(pod);
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                correct(after);
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
            }

            private void correct(Pod pod) {
                if (pod.getSpec().getNodeName() == null || !nodes.contains(pod.getSpec().getNodeName())
                        || pod.getMetadata().getDeletionTimestamp() != null || !PodStatusSimulation.readyIsStale(pod)) {
                    return;
                }
                try {
                    kubelet.recomputeReady(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                } catch (KubernetesClientException gone) {
                    // Deleted meanwhile, or a conflict: the next event for the pod corrects it.
                }
            }
        });
        return new KubeletReadiness(informer);
    }

    @Override
    public void close() {
        informer.close();
    }
}
