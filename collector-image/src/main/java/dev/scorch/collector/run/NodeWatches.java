package dev.scorch.collector.run;

import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.ListWatch;
import dev.scorch.collector.kubernetes.NodeCache;
import dev.scorch.collector.kubernetes.WatchHealth;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;

/**
 * The collector's three watches on the API server: its node's pods (what a stack is attributed
 * to), every namespace (what namespace selectors match) and its own Node (the labels policy
 * placement reads).
 */
final class NodeWatches implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeWatches.class.getName());

    /** The first lists must arrive within this before sampling starts anyway (pending stacks wait). */
    static final Duration SYNC_WAIT = Duration.ofSeconds(30);

    private final ListWatch pods;
    private final ListWatch namespaces;
    private final ListWatch nodes;

    private NodeWatches(ListWatch pods, ListWatch namespaces, ListWatch nodes) {
        this.pods = pods;
        this.namespaces = namespaces;
        this.nodes = nodes;
    }

    /** Starts the watches into the node's caches and waits up to {@link #SYNC_WAIT} for their first lists. */
    static NodeWatches start(ApiServer api, String node, NodeServices services, NodeCache nodeCache) {
        NodeWatches watches = new NodeWatches(new ListWatch(api, "/api/v1/pods", "spec.nodeName=" + node, services.pods()).start(),
                new ListWatch(api, "/api/v1/namespaces", null, services.namespaces()).start(),
                new ListWatch(api, "/api/v1/nodes", "metadata.name=" + node, nodeCache).start());
        try {
            if (!watches.pods.awaitSynced(SYNC_WAIT) || !watches.namespaces.awaitSynced(SYNC_WAIT) || !watches.nodes.awaitSynced(SYNC_WAIT)) {
                LOG.log(Level.WARNING, "node {0}: no pod, namespace or node list from the API server within {1} s; sampling anyway, "
                        + "stacks wait as pending until the watches catch up; policies with a node selector wait for the node''s labels",
                        node, Long.toString(SYNC_WAIT.toSeconds()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return watches;
    }

    /** The watch of this node's pods, whose health the endpoints report. */
    ListWatch pods() {
        return pods;
    }

    /** While the watch of this node's pods fails: since when and its last error. */
    Optional<String> podsFailure() {
        WatchHealth health = pods.health();
        return health.failing() ? Optional.of("since " + health.failingSince() + ": " + health.lastError()) : Optional.empty();
    }

    @Override
    public void close() {
        pods.close();
        namespaces.close();
        nodes.close();
    }
}
