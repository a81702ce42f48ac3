package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.LabelSelector;

/**
 * What is profiled on the selected nodes. Samples outside the selection are dropped on the node.
 *
 * @param namespaceSelector labels of the namespaces whose pods are profiled; absent or empty
 *     selects every namespace
 * @param podSelector labels of the pods that are profiled; absent or empty selects every pod
 * @param hostProcesses whether processes outside any pod (kubelet, container runtime, system
 *     daemons) are profiled too
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TargetSelection(
        LabelSelector namespaceSelector, LabelSelector podSelector, @Default("false") Boolean hostProcesses) {

    public TargetSelection {
        hostProcesses = hostProcesses != null && hostProcesses;
    }
}
