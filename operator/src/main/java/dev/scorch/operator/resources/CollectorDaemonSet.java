package dev.scorch.operator.resources;

import dev.scorch.operator.CollectorPodSettings;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.SecurityMode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.List;
import java.util.Map;

/**
 * The one collector DaemonSet, scorch-collector: one collector per node of the union of the nodes
 * the policies select, host PID namespace, every policy's config and credentials mounted whole (so
 * the kubelet updates them in place), and a readiness gate on the collector's own
 * {@code scorch.dev/Collecting} condition. Only the placement depends on the policies: adding,
 * editing or deleting a policy leaves the pod template alone unless the union of nodes changes.
 */
public final class CollectorDaemonSet {
    public static final String COLLECTING_CONDITION = "scorch.dev/Collecting";
    public static final String CONTAINER = "collector";
    /** Host directory of every policy's spool (one subdirectory per policy and backend). */
    public static final String SPOOL_HOST_PATH = "/var/lib/scorch/spool";
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

    /**
     * The pod condition in which a collector reports one policy's health, e.g.
     * {@code checkout-cpu.policy.scorch.dev/Collecting} (docs/contracts.md).
     */
    public static String policyCondition(String policy) {
        return policy + ".policy.scorch.dev/Collecting";
    }

    /** The DaemonSet serving {@code policies} (the non-suspended, valid ones; at least one). */
    public static DaemonSet desired(List<ProfilingPolicy> policies, OperatorSettings settings) {
        CollectorPodSettings collector = settings.collector();
        List<Volume> volumes = List.of(
                new VolumeBuilder().withName("config").withNewConfigMap().withName(CollectorLabels.OBJECT_NAME)
                        .endConfigMap().build(),
                new VolumeBuilder().withName("credentials").withNewSecret().withSecretName(CollectorLabels.CREDENTIALS_NAME)
                        .withOptional(true).withDefaultMode(0400).endSecret().build(),
                new VolumeBuilder().withName("spool").withNewHostPath().withPath(SPOOL_HOST_PATH)
                        .withType("DirectoryOrCreate").endHostPath().build(),
                new VolumeBuilder().withName("cgroup").withNewHostPath().withPath("/sys/fs/cgroup")
                        .withType("Directory").endHostPath().build(),
                new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("32Mi")).endEmptyDir().build());
        List<VolumeMount> mounts = List.of(
                readOnly("config", CollectorConfigMap.MOUNT_DIRECTORY),
                readOnly("credentials", CollectorCredentials.MOUNT_DIRECTORY),
                new VolumeMountBuilder().withName("spool").withMountPath(CollectorConfigMap.SPOOL_DIRECTORY).build(),
                readOnly("cgroup", "/sys/fs/cgroup"),
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

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
                .withMetadata(Owned.metadata(policies, CollectorLabels.OBJECT_NAME, settings.namespace()))
                .withNewSpec()
                .withNewSelector().withMatchLabels(CollectorLabels.selector()).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxUnavailable(new IntOrString("10%")).endRollingUpdate()
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(CollectorLabels.labels()).endMetadata()
                .withNewSpec()
                .withServiceAccountName(SERVICE_ACCOUNT)
                .withHostPID(true)
                .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
                .withAffinity(CollectorPlacement.affinity(policies))
                .withTolerations(CollectorPlacement.tolerations(policies))
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

    private static VolumeMount readOnly(String volume, String path) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
    }
}
