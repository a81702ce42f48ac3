package dev.scorch.bench.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * When the benchmark's own watch first saw an object owned by each owner of one kind: a controller's
 * output as any client of the API server sees it. The one collector DaemonSet gains an owner per
 * policy it serves, so updates count as well as adds.
 */
final class OwnerArrivals {

    /** The moment of an arrival on both clocks: monotonic for durations, wall for the audit log. */
    record Arrival(long nanos, Instant at) {}

    private final String ownerKind;
    private final Map<String, CompletableFuture<Arrival>> byOwner = new ConcurrentHashMap<>();

    private OwnerArrivals(String ownerKind) {
        this.ownerKind = ownerKind;
    }

    /** Watches {@code informer}'s objects for owners of {@code ownerKind}. */
    static <T extends HasMetadata> OwnerArrivals watch(SharedIndexInformer<T> informer, String ownerKind) {
        OwnerArrivals arrivals = new OwnerArrivals(ownerKind);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                arrivals.seen(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                arrivals.seen(after);
            }

            @Override
            public void onDelete(T object, boolean unknownFinalState) {
            }
        });
        return arrivals;
    }

    private void seen(HasMetadata object) {
        Arrival now = new Arrival(System.nanoTime(), Instant.now());
        for (OwnerReference owner : object.getMetadata().getOwnerReferences()) {
            if (ownerKind.equals(owner.getKind())) {
                of(owner.getName()).complete(now);
            }
        }
    }

    /** Waits up to a minute for the first object owned by {@code owner}. */
    Arrival await(String owner) throws Exception {
        return of(owner).get(60, TimeUnit.SECONDS);
    }

    private CompletableFuture<Arrival> of(String owner) {
        return byOwner.computeIfAbsent(owner, name -> new CompletableFuture<>());
    }
}
