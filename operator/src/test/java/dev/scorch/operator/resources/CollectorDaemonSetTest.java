package dev.scorch.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.CollectorPodSettings;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.SecurityMode;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The collector DaemonSet's shape: the seams of docs/contracts.md and the security modes. */
class CollectorDaemonSetTest {

    private static DaemonSet daemonSet(ProfilingPolicy policy) {
        return daemonSet(policy, Policies.SETTINGS);
    }

    private static DaemonSet daemonSet(ProfilingPolicy policy, OperatorSettings settings) {
        return CollectorDaemonSet.desired(policy, settings, CollectorConfigMap.render(policy));
    }

    private static Container collector(DaemonSet ds) {
        return ds.getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    @Test
    void capabilitiesModeIsUnprivilegedWithOnlyTheNeededCapabilities() {
        Container c = collector(daemonSet(Policies.example("minimal-parca.yaml")));

        assertThat(c.getSecurityContext().getPrivileged()).isFalse();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("PERFMON", "SYS_PTRACE", "SYSLOG", "DAC_READ_SEARCH", "IPC_LOCK", "CHECKPOINT_RESTORE")
                .doesNotContain("SYS_ADMIN");
    }

    @Test
    void privilegedModeIsPrivilegedWithAReadOnlyRoot() {
        OperatorSettings privileged = new OperatorSettings("scorch-system",
                new CollectorPodSettings("scorch-collector:test", SecurityMode.PRIVILEGED, CollectorPodSettings.defaultResources(), null),
                OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
        Container c = collector(daemonSet(Policies.example("privileged-legacy-nodes.yaml"), privileged));

        assertThat(c.getSecurityContext().getPrivileged()).isTrue();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities()).isNull();
    }

    @Test
    void podSeesHostProcessesAndReportsReadinessThroughTheCollectingGate() {
        DaemonSet ds = daemonSet(Policies.example("minimal-parca.yaml"));
        PodSpec pod = ds.getSpec().getTemplate().getSpec();

        assertThat(ds.getMetadata().getName()).isEqualTo("scorch-everything");
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getHostNetwork()).isNull();
        assertThat(pod.getServiceAccountName()).isEqualTo("scorch-collector");
        assertThat(pod.getReadinessGates()).singleElement()
                .satisfies(g -> assertThat(g.getConditionType()).isEqualTo("scorch.dev/Collecting"));
        assertThat(collector(ds).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(collector(ds).getPorts().getFirst().getContainerPort()).isEqualTo(8080);
        assertThat(collector(ds).getImage()).isEqualTo("scorch-collector:test");
    }

    @Test
    void environmentComesFromTheDownwardApiAndCarriesNoSecret() {
        Map<String, EnvVar> env = collector(daemonSet(Policies.example("pyroscope-tenant-basic-auth.yaml"))).getEnv()
                .stream().collect(Collectors.toMap(EnvVar::getName, e -> e));

        assertThat(env).containsOnlyKeys("SCORCH_NODE_NAME", "SCORCH_POD_NAME", "SCORCH_POD_NAMESPACE", "SCORCH_CONFIG");
        assertThat(env.get("SCORCH_NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        assertThat(env.get("SCORCH_POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("SCORCH_POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
        assertThat(env.get("SCORCH_CONFIG").getValue()).isEqualTo("/etc/scorch/config/collector.json");
        assertThat(env.values()).allSatisfy(e -> assertThat(e.getValueFrom() == null
                || e.getValueFrom().getSecretKeyRef() == null).isTrue());
    }

    @Test
    void backendSecretsAreProjectedIntoTheBackendsDirectory() {
        DaemonSet ds = daemonSet(Policies.example("pyroscope-tenant-basic-auth.yaml"));
        Volume secrets = ds.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("secrets-grafana")).findFirst().orElseThrow();

        assertThat(secrets.getProjected().getSources()).hasSize(2);
        assertThat(secrets.getProjected().getSources().get(0).getSecret().getName()).isEqualTo("pyroscope-auth");
        assertThat(secrets.getProjected().getSources().get(0).getSecret().getItems())
                .extracting(i -> i.getKey() + "->" + i.getPath())
                .containsExactly("username->username", "password->password");
        assertThat(secrets.getProjected().getSources().get(1).getSecret().getItems())
                .extracting(i -> i.getKey() + "->" + i.getPath()).containsExactly("ca.crt->ca.crt");
        assertThat(collector(ds).getVolumeMounts())
                .anySatisfy(m -> {
                    assertThat(m.getName()).isEqualTo("secrets-grafana");
                    assertThat(m.getMountPath()).isEqualTo("/etc/scorch/secrets/grafana");
                    assertThat(m.getReadOnly()).isTrue();
                });
    }

    @Test
    void onlyTheContractsHostPathsAreMounted() {
        DaemonSet ds = daemonSet(Policies.example("multi-backend.yaml"));

        assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> v.getHostPath() != null)
                .extracting(v -> v.getHostPath().getPath())
                .containsExactlyInAnyOrder("/var/lib/scorch/fleet", "/sys/fs/cgroup");
        assertThat(collector(ds).getVolumeMounts()).filteredOn(m -> m.getName().equals("cgroup"))
                .singleElement().satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    }

    @Test
    void nodeSelectorBecomesRequiredAffinityAndTolerationsPassThrough() {
        PodSpec checkout = daemonSet(Policies.example("checkout-to-parca-with-token.yaml")).getSpec().getTemplate().getSpec();
        PodSpec fleet = daemonSet(Policies.example("multi-backend.yaml")).getSpec().getTemplate().getSpec();

        assertThat(checkout.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().getFirst().getMatchExpressions()).singleElement().satisfies(r -> {
                    assertThat(r.getKey()).isEqualTo("node-role.kubernetes.io/worker");
                    assertThat(r.getOperator()).isEqualTo("In");
                    assertThat(r.getValues()).containsExactly("");
                });
        assertThat(fleet.getAffinity()).isNull();
        assertThat(fleet.getTolerations()).singleElement().satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    }

    @Test
    void imageResourcesAndPriorityClassComeFromTheOperatorSettingsNotThePolicy() {
        OperatorSettings settings = new OperatorSettings("scorch-system", new CollectorPodSettings("registry.example/collector:1",
                SecurityMode.CAPABILITIES, new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("256Mi")).build(),
                "system-node-critical"), OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
        ProfilingPolicy legacy = Policies.parse("legacy", """
                collector: {image: registry.example/old:0, securityMode: privileged, priorityClassName: low,
                            resources: {limits: {memory: 1Gi}}}
                export: {backends: [{name: parca, parca: {address: 'parca:7070'}}]}
                """);

        DaemonSet ds = daemonSet(legacy, settings);

        assertThat(collector(ds).getImage()).isEqualTo("registry.example/collector:1");
        assertThat(collector(ds).getResources().getLimits()).containsEntry("memory", new Quantity("256Mi"));
        assertThat(collector(ds).getSecurityContext().getPrivileged()).isFalse();
        assertThat(ds.getSpec().getTemplate().getSpec().getPriorityClassName()).isEqualTo("system-node-critical");
    }

    @Test
    void defaultResourcesFitTheCollectorsMemoryBudget() {
        Container c = collector(daemonSet(Policies.example("minimal-parca.yaml")));

        assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("10m"))
                .containsEntry("memory", new Quantity("64Mi"));
        assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("160Mi"));
    }

    @Test
    void aSpecChangeChangesTheConfigHashAndNothingElseDoesNot() {
        ProfilingPolicy policy = Policies.example("minimal-parca.yaml");
        ProfilingPolicy faster = Policies.parse("everything", """
                sampling: {frequencyHz: 99}
                export:
                  backends: [{name: parca, parca: {address: parca.monitoring.svc:7070, insecure: true}}]
                """);

        String hash = daemonSet(policy).getSpec().getTemplate().getMetadata().getAnnotations().get("scorch.dev/config-hash");
        assertThat(daemonSet(Policies.example("minimal-parca.yaml")).getSpec().getTemplate().getMetadata()
                .getAnnotations()).containsEntry("scorch.dev/config-hash", hash);
        assertThat(daemonSet(faster).getSpec().getTemplate().getMetadata().getAnnotations().get("scorch.dev/config-hash"))
                .isNotEqualTo(hash);
        assertThat(OwnedFields.firstDifference(daemonSet(policy), daemonSet(Policies.example("minimal-parca.yaml"))))
                .isEmpty();
        assertThat(OwnedFields.firstDifference(daemonSet(faster), daemonSet(policy)))
                .contains("spec.template.metadata.annotations.scorch.dev/config-hash");
    }

    @Test
    void labelsSelectOnlyThisPolicysCollectors() {
        DaemonSet ds = daemonSet(Policies.example("minimal-parca.yaml"));

        assertThat(ds.getSpec().getSelector().getMatchLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/name", "scorch-collector", "app.kubernetes.io/instance", "everything"));
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "scorch-operator");
        assertThat(Serialization.asJson(ds)).doesNotContain("\"privileged\":true");
    }
}
