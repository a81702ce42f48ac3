package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The node-local disk buffer (hostPath /var/lib/scorch/<policy>) that keeps profiles while a
 * backend is unreachable; the oldest are dropped, and counted, when it is full.
 *
 * @param maxBytes the most disk space each backend's spool may use on a node, a quantity from 16Mi
 *     to 64Gi such as 256Mi
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Spool(
        @Default("256Mi")
        @ValidationRule(
                value = "isQuantity(string(self)) && quantity(string(self)).compareTo(quantity('16Mi')) >= 0"
                        + " && quantity(string(self)).compareTo(quantity('64Gi')) <= 0",
                message = "export.spool.maxBytes must be a quantity from 16Mi to 64Gi")
        Quantity maxBytes) {

    public static final String DEFAULT_MAX_BYTES = "256Mi";

    public Spool {
        maxBytes = maxBytes != null ? maxBytes : new Quantity(DEFAULT_MAX_BYTES);
    }
}
