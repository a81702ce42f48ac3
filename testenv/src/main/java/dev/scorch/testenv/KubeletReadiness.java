package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The part of the kubelet kwok lacks: keeping each pod's {@code Ready} condition equal to "containers
 * ready and every readiness gate True".
 *
 * <p>Without it, a one-shot overwrite of {@code Ready} stays forever: kwok can replay a pod stage
 * from a stale copy. A real kubelet recomputes readiness on its periodic status sync; this does the
 * same every {@link #PERIOD} for the pods on kwok's nodes, writing only where {@code Ready} is wrong.
 * The writes happen on its own thread, never in an informer callback.
 */
final class KubeletReadiness implements AutoCloseable {

    private static final Duration PERIOD = Duration.ofSeconds(2);

    private final SharedIndexInformer<Pod> informer;
    private final ScheduledExecutorService sync;

    private KubeletReadiness(SharedIndexInformer<Pod> informer, ScheduledExecutorService sync) {
        this.informer = informer;
        this.sync = sync;
    }

    /** Looks after every pod bound to one of {@code nodes} (a live view of kwok's node names). */
    static KubeletReadiness start(KubernetesClient admin, Set<String> nodes) {
        SharedIndexInformer<Pod> informer = admin.pods().inAnyNamespace().inform();
        PodStatusSimulation kubelet = new PodStatusSimulation(admin);
        ScheduledExecutorService sync = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("kubelet-readiness").factory());
        sync.scheduleWithFixedDelay(() -> {
            for (Pod pod : informer.getStore().list()) {
                if (pod.getSpec().getNodeName() != null && nodes.contains(pod.getSpec().getNodeName())
                        && pod.getMetadata().getDeletionTimestamp() == null && PodStatusSimulation.readyIsStale(pod)) {
                    try {
                        kubelet.recomputeReady(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                    } catch (RuntimeException missedThisRound) {
                        // Deleted meanwhile, or the API server was busy: the next round retries, and an
                        // exception must not end the scheduled sync.
                    }
                }
            }
        }, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return new KubeletReadiness(informer, sync);
    }

    @Override
    public void close() {
        sync.shutdownNow();
        informer.close();
    }
}
