package dev.scorch.operator.resources;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The policy field a DaemonSet field comes from, so a refusal the API server words in DaemonSet
 * paths can name what the admin must change in the policy.
 */
public final class PolicyFieldOfDaemonSet {
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        String pod = "spec.template.spec.";
        String container = pod + "containers[0].";
        FIELDS.put(pod + "tolerations", "spec.nodes.tolerations");
        FIELDS.put(pod + "affinity", "spec.nodes.selector");
    }

    private PolicyFieldOfDaemonSet() {}

    /** The policy field behind the first DaemonSet field {@code message} names, if it names one the policy sets. */
    public static Optional<String> in(String message) {
        int first = Integer.MAX_VALUE;
        String field = null;
        for (Map.Entry<String, String> entry : FIELDS.entrySet()) {
            int at = message.indexOf(entry.getKey());
            if (at >= 0 && at < first) {
                first = at;
                field = entry.getValue();
            }
        }
        return Optional.ofNullable(field);
    }
}
