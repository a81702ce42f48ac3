package dev.scorch.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Continuous CPU profiling of the nodes a cluster admin selects: one collector per node, shared by
 * every policy (one DaemonSet in the operator's install namespace), serves each policy on the nodes
 * it selects, and the operator folds collector health into each policy's status.
 *
 * <p>Cluster-scoped on purpose (it does not implement {@link Namespaced}): a policy yields
 * privileged-level pods, so creating one needs cluster-wide rights.
 */
@Group(ProfilingPolicy.GROUP)
@Version(ProfilingPolicy.VERSION)
@Plural(ProfilingPolicy.PLURAL)
@ShortNames("pp")
@ValidationRule(
        value = "size(self.metadata.name) <= 56 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
        message = "metadata.name must be a DNS label (lower-case letters, digits, '-') of at most 56 characters,"
                + " (it names the policy's pod condition and credential files)")
@AdditionalPrinterColumn(name = "Desired", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.nodes.desired")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.nodes.ready")
@AdditionalPrinterColumn(name = "Collecting", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.nodes.collecting")
@AdditionalPrinterColumn(name = "Status", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        getDescription = "why the policy is or is not Ready: Collecting, NodesFailing, Suspended, InvalidSpec, ...")
@AdditionalPrinterColumn(name = "Last Export", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".status.lastExportTime")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@AdditionalPrinterColumn(name = "Failing", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.nodes.failing",
        priority = 1)
@AdditionalPrinterColumn(name = "Suspended", type = AdditionalPrinterColumn.Type.BOOLEAN, jsonPath = ".spec.suspend",
        priority = 1)
@AdditionalPrinterColumn(name = "Message", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].message", priority = 1)
public class ProfilingPolicy extends CustomResource<ProfilingPolicySpec, ProfilingPolicyStatus> {
    public static final String GROUP = "scorch.dev";
    public static final String VERSION = "v1alpha1";
    public static final String PLURAL = "profilingpolicies";
    public static final String CRD_NAME = PLURAL + "." + GROUP;
}
