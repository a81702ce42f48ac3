package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/**
 * Which nodes run a collector.
 *
 * @param selector node labels a node must carry to run a collector (becomes required node
 *     affinity); absent or empty selects every Linux node
 * @param tolerations taints the collector pods tolerate, e.g. [{operator: Exists}] to profile
 *     tainted control-plane or dedicated nodes too
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodePlacement(LabelSelector selector, @Size(max = 32) List<Toleration> tolerations) {}
