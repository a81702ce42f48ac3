package dev.scorch.operator.resources;

import dev.scorch.operator.CollectorPodSettings;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.NodePlacement;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.SecretKeyReference;
import dev.scorch.operator.api.v1alpha1.SecurityMode;
import dev.scorch.operator.api.v1alpha1.TlsSettings;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The collector DaemonSet scorch-<policy>: one collector per selected node, host PID namespace, the
 * policy's config and Secrets mounted as files, and a readiness gate on the collector's own
 * {@code scorch.dev/Collecting} condition.
 */
public final class CollectorDaemonSet {
    public static final String CONFIG_HASH = "scorch.dev/config-hash";
    public static final String COLLECTING_CONDITION = "scorch.dev/Collecting";

    /**
     * The pod condition in which a collector reports one policy's health, e.g.
     * {@code checkout-cpu.policy.scorch.dev/Collecting} (docs/contracts.md).
     */
    public static String policyCondition(String policy) {
        return policy + ".policy.scorch.dev/Collecting";
    }
    public static final String CONTAINER = "collector";
    /**
     * The collectors' ServiceAccount, installed with its bindings by deploy/collector-rbac.yaml: static,
     * so the operator needs no right to create ServiceAccounts or bind roles.
     */
    public static final String SERVICE_ACCOUNT = "scorch-collector";
    /**
     * What sampling and symbolization need without privilege (docs/operator.md, "Security modes"):
     * PERFMON for CPU-wide perf events (kernel 5.8+), SYS_PTRACE to read other users'
     * /proc/<pid>/maps and root, SYSLOG for real /proc/kallsyms addresses, DAC_READ_SEARCH to read
     * binaries any user owns, IPC_LOCK for ring buffers beyond the per-user perf mlock allowance,
     * CHECKPOINT_RESTORE (5.9+) for /proc/<pid>/map_files, the only way to a deleted or replaced
     * binary. Each is measured by the collector's DaemonSetCapabilitiesTest (docs/decisions.md).
     */
    public static final List<String> CAPABILITIES = List.of("PERFMON", "SYS_PTRACE", "SYSLOG", "DAC_READ_SEARCH", "IPC_LOCK",
            "CHECKPOINT_RESTORE");

    private CollectorDaemonSet() {}

    public static DaemonSet desired(ProfilingPolicy policy, OperatorSettings settings, String configJson) {
        String name = CollectorLabels.objectName(policy);
        CollectorPodSettings collector = settings.collector();
        NodePlacement nodes = policy.getSpec().nodes();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("config")
                .withNewConfigMap().withName(name).addNewItem().withKey(CollectorConfigMap.KEY)
                .withPath(CollectorConfigMap.KEY).endItem().endConfigMap().build());
        mounts.add(mount("config", CollectorConfigMap.MOUNT_DIRECTORY));
        volumes.add(new VolumeBuilder().withName("spool")
                .withNewHostPath().withPath("/var/lib/scorch/" + policy.getMetadata().getName())
                .withType("DirectoryOrCreate").endHostPath().build());
        mounts.add(new VolumeMountBuilder().withName("spool").withMountPath(CollectorConfigMap.SPOOL_DIRECTORY).build());
        volumes.add(new VolumeBuilder().withName("cgroup")
                .withNewHostPath().withPath("/sys/fs/cgroup").withType("Directory").endHostPath().build());
        mounts.add(mount("cgroup", "/sys/fs/cgroup"));
        volumes.add(new VolumeBuilder().withName("tmp")
                .withNewEmptyDir().withSizeLimit(new Quantity("32Mi")).endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        for (Backend backend : policy.getSpec().export().backends()) {
            List<VolumeProjection> sources = secretSources(backend);
            if (!sources.isEmpty()) {
                String volume = "secrets-" + backend.name();
                volumes.add(new VolumeBuilder().withName(volume)
                        .withNewProjected().withSources(sources).withDefaultMode(0400).endProjected().build());
                mounts.add(mount(volume, CollectorConfigMap.secretDirectory(backend)));
            }
        }

        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(collector.image())
                .withArgs("run", "--config", "$(SCORCH_CONFIG)")
                .withEnv(environment())
                .addNewPort().withName("http").withContainerPort(CollectorConfigMap.HEALTH_PORT).endPort()
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/readyz").withPort(new IntOrString("http")).endHttpGet()
                .withPeriodSeconds(10).withFailureThreshold(3).endReadinessProbe()
                .withNewLivenessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString("http")).endHttpGet()
                .withInitialDelaySeconds(30).withPeriodSeconds(30).withFailureThreshold(5).endLivenessProbe()
                .withResources(collector.resources())
                .withSecurityContext(securityContext(collector.securityMode()))
                .withVolumeMounts(mounts)
                .build();

        return new DaemonSetBuilder()
                .withMetadata(Owned.metadata(policy, name, settings.namespace()))
                .withNewSpec()
                .withNewSelector().withMatchLabels(CollectorLabels.selector(policy)).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxUnavailable(new IntOrString("10%")).endRollingUpdate()
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(CollectorLabels.of(policy))
                .withAnnotations(Map.of(CONFIG_HASH, Owned.sha256(configJson)))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(SERVICE_ACCOUNT)
                .withHostPID(true)
                .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
                .withAffinity(affinity(nodes == null ? null : nodes.selector()))
                .withTolerations(nodes == null || nodes.tolerations() == null ? List.of() : nodes.tolerations())
                .withPriorityClassName(collector.priorityClassName())
                .addNewReadinessGate().withConditionType(COLLECTING_CONDITION).endReadinessGate()
                .withTerminationGracePeriodSeconds(30L)
                .withContainers(container)
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static SecurityContext securityContext(SecurityMode mode) {
        // Root is needed in both modes: without ambient capabilities, added capabilities reach only
        // uid 0's effective set.
        SecurityContextBuilder context = new SecurityContextBuilder()
                .withRunAsUser(0L)
                .withReadOnlyRootFilesystem(true);
        if (mode == SecurityMode.PRIVILEGED) {
            return context.withPrivileged(true).build();
        }
        return context.withPrivileged(false)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").withAdd(CAPABILITIES).endCapabilities()
                .build();
    }

    private static List<EnvVar> environment() {
        return List.of(
                fieldEnv("SCORCH_NODE_NAME", "spec.nodeName"),
                fieldEnv("SCORCH_POD_NAME", "metadata.name"),
                fieldEnv("SCORCH_POD_NAMESPACE", "metadata.namespace"),
                new EnvVarBuilder().withName("SCORCH_CONFIG").withValue(CollectorConfigMap.PATH).build());
    }

    private static EnvVar fieldEnv(String name, String fieldPath) {
        return new EnvVarBuilder().withName(name)
                .withNewValueFrom().withNewFieldRef().withFieldPath(fieldPath).endFieldRef().endValueFrom()
                .build();
    }

    private static VolumeMount mount(String volume, String path) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
    }

    /** The policy's node selector as required node affinity (match expressions map one to one). */
    private static Affinity affinity(LabelSelector selector) {
        List<NodeSelectorRequirement> requirements = new ArrayList<>();
        if (selector != null && selector.getMatchLabels() != null) {
            selector.getMatchLabels().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> requirements.add(new NodeSelectorRequirementBuilder()
                            .withKey(e.getKey()).withOperator("In").withValues(e.getValue()).build()));
        }
        if (selector != null && selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                requirements.add(new NodeSelectorRequirementBuilder()
                        .withKey(r.getKey()).withOperator(r.getOperator()).withValues(r.getValues()).build());
            }
        }
        if (requirements.isEmpty()) {
            return null;
        }
        return new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().withMatchExpressions(requirements).endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
    }

    /** The Secret keys a backend names, projected to fixed file names in its own directory. */
    static List<VolumeProjection> secretSources(Backend backend) {
        List<VolumeProjection> sources = new ArrayList<>();
        if (backend.pyroscope() != null && backend.pyroscope().basicAuthSecretRef() != null) {
            sources.add(secret(backend.pyroscope().basicAuthSecretRef().name(),
                    List.of(new KeyToPath(CollectorConfigMap.USERNAME_FILE, null, CollectorConfigMap.USERNAME_FILE),
                            new KeyToPath(CollectorConfigMap.PASSWORD_FILE, null, CollectorConfigMap.PASSWORD_FILE))));
        }
        SecretKeyReference bearer = backend.bearerTokenSecretRef();
        TlsSettings tls = backend.tls();
        if (bearer != null) {
            sources.add(secret(bearer.name(), List.of(new KeyToPath(bearer.key(), null, CollectorConfigMap.TOKEN_FILE))));
        }
        if (tls != null && tls.caSecretRef() != null) {
            sources.add(secret(tls.caSecretRef().name(),
                    List.of(new KeyToPath(tls.caSecretRef().key(), null, CollectorConfigMap.CA_FILE))));
        }
        return sources;
    }

    private static VolumeProjection secret(String name, List<KeyToPath> items) {
        return new VolumeProjectionBuilder().withNewSecret().withName(name).withItems(items).withOptional(false)
                .endSecret().build();
    }
}
