package dev.scorch.collector.run;

import dev.scorch.collector.health.ConditionWriter;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.PodStatusPatcher;
import java.lang.System.Logger.Level;

/** Where this collector's pod conditions go: its pod's status through the API, or log lines outside a pod. */
final class OwnPodStatus {

    private static final System.Logger LOG = System.getLogger(OwnPodStatus.class.getName());

    private OwnPodStatus() {}

    /** The pod's status, or log lines when there is no pod identity (tests, a collector run by hand). */
    static ConditionWriter writer(NodeCollector.Identity identity, ApiServer api) {
        if (identity.podName() == null || identity.podNamespace() == null || api == null) {
            return (conditions, removed) -> conditions.forEach((type, condition) -> LOG.log(Level.INFO,
                    "no pod identity (SCORCH_POD_NAME/SCORCH_POD_NAMESPACE): condition {0} {1} not written", type, condition.reason()));
        }
        return new PodStatusPatcher(api, identity.podNamespace(), identity.podName());
    }
}
