package dev.scorch.collector.run;

import dev.scorch.collector.health.ConditionWriter;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.PodStatusPatcher;
import java.lang.System.Logger.Level;

/** The conditions of this collector's own pod: the node's, and one per policy served. */
interface PodConditions {

    System.Logger LOG = System.getLogger(PodConditions.class.getName());

    /** Writes conditions of {@code type}. */
    ConditionWriter writer(String type);

    /** Removes the condition of {@code type} (a policy no longer served here); failures are logged. */
    void remove(String type);

    /** The pod's status through the API, or log lines outside a pod (tests, a collector run by hand). */
    static PodConditions of(NodeCollector.Identity identity, ApiServer api) {
        if (identity.podName() == null || identity.podNamespace() == null || api == null) {
            return new PodConditions() {
                @Override
                public ConditionWriter writer(String type) {
                    return condition -> LOG.log(Level.INFO, "no pod identity (SCORCH_POD_NAME/SCORCH_POD_NAMESPACE): condition {0} {1} not written",
                            type, condition.reason());
                }

                @Override
                public void remove(String type) {}
            };
        }
        PodStatusPatcher pod = new PodStatusPatcher(api, identity.podNamespace(), identity.podName());
        return new PodConditions() {
            @Override
            public ConditionWriter writer(String type) {
                return pod.forType(type);
            }

            @Override
            public void remove(String type) {
                try {
                    pod.forType(type).remove();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "cannot remove condition {0} from this pod''s status: {1}", type, e.getMessage());
                }
            }
        };
    }
}
