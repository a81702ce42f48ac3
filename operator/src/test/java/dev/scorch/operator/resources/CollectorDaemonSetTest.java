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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The collector DaemonSet's shape: the seams of docs/contracts.md and the security modes. */
class CollectorDaemonSetTest {

    private static DaemonSet daemonSet(ProfilingPolicy policy) {
        return daemonSet(policy, Policies.SETTINGS);
    }

    private static DaemonSet daemonSet(ProfilingPolicy policy, OperatorSettings settings) {
        return CollectorDaemonSet.desired(List.of(policy), settings);
    }

    private static DaemonSet daemonSet(ProfilingPolicy... policies) {
        return CollectorDaemonSet.desired(List.of(policies), Policies.SETTINGS);
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

        assertThat(ds.getMetadata().getName()).isEqualTo("scorch-collector");
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
    void credentialsAreOneSecretMountedWholeSoTheKubeletUpdatesItInPlace() {
        DaemonSet ds = daemonSet(Policies.example("pyroscope-tenant-basic-auth.yaml"));

        assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> v.getProjected() != null).isEmpty();
        List<Volume> secretVolumes = ds.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null).toList();
        assertThat(secretVolumes).hasSize(1);
        Volume credentials = secretVolumes.getFirst();
        assertThat(credentials.getSecret().getSecretName()).isEqualTo("scorch-collector-credentials");
        assertThat(credentials.getSecret().getItems()).as("items would pin the keys at pod start").isNullOrEmpty();
        assertThat(credentials.getSecret().getOptional()).isTrue();
        assertThat(collector(ds).getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(credentials.getName());
            assertThat(m.getMountPath()).isEqualTo("/etc/scorch/secrets");
            assertThat(m.getReadOnly()).isTrue();
            assertThat(m.getSubPath()).isNull();
        });
        assertThat(collector(ds).getVolumeMounts()).allSatisfy(m -> assertThat(m.getSubPath())
                .as("a subPath mount never sees the kubelet's updates").isNull());
    }

    @Test
    void onlyTheContractsHostPathsAreMounted() {
        DaemonSet ds = daemonSet(Policies.example("multi-backend.yaml"));

        assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(v -> v.getHostPath() != null)
                .extracting(v -> v.getHostPath().getPath())
                .containsExactlyInAnyOrder("/var/lib/scorch/spool", "/sys/fs/cgroup");
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
    void defaultResourcesRequestWhatACollectorHoldsAndLimitAboveTheWorstMeasured() {
        Container c = collector(daemonSet(Policies.example("minimal-parca.yaml")));

        assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("10m"))
                .containsEntry("memory", new Quantity("128Mi"));
        assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("256Mi"));
    }

    @Test
    void addingEditingOrRemovingAPolicyWithinTheSamePlacementLeavesThePodTemplateAlone() {
        ProfilingPolicy a = Policies.parse("a", "export: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
        ProfilingPolicy b = Policies.parse("b", "export: {backends: [{name: q, pyroscope: {url: 'http://q:4040'}}]}");
        ProfilingPolicy fasterB = Policies.parse("b", """
                sampling: {frequencyHz: 99}
                export: {backends: [{name: q, pyroscope: {url: 'http://q:4040'}}]}
                """);

        String template = Serialization.asJson(daemonSet(a).getSpec().getTemplate());
        assertThat(Serialization.asJson(daemonSet(a, b).getSpec().getTemplate())).isEqualTo(template);
        assertThat(Serialization.asJson(daemonSet(fasterB, a).getSpec().getTemplate())).isEqualTo(template);
        assertThat(OwnedFields.firstDifference(daemonSet(a, fasterB), daemonSet(b, a))).isEmpty();
    }

    @Test
    void theDaemonSetRunsOnTheUnionOfTheNodesThePoliciesSelect() {
        ProfilingPolicy gpus = Policies.parse("gpus", """
                nodes:
                  selector: {matchLabels: {pool: gpu}}
                  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
                export: {backends: [{name: p, parca: {address: 'p:7070'}}]}
                """);
        ProfilingPolicy web = Policies.parse("web", """
                nodes:
                  selector: {matchExpressions: [{key: pool, operator: In, values: [web, edge]}]}
                  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}, {key: edge, operator: Exists}]
                export: {backends: [{name: p, parca: {address: 'p:7070'}}]}
                """);
        ProfilingPolicy webAgain = Policies.parse("web-again", """
                nodes:
                  selector: {matchExpressions: [{key: pool, operator: In, values: [web, edge]}]}
                export: {backends: [{name: p, parca: {address: 'p:7070'}}]}
                """);

        PodSpec pod = daemonSet(gpus, web, webAgain).getSpec().getTemplate().getSpec();

        assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
                .as("one term per distinct selector; Kubernetes ORs them")
                .extracting(term -> term.getMatchExpressions().stream()
                        .map(r -> r.getKey() + " " + r.getOperator() + " " + r.getValues()).toList())
                .containsExactlyInAnyOrder(List.of("pool In [gpu]"), List.of("pool In [web, edge]"));
        assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactlyInAnyOrder("nvidia.com/gpu", "edge");
        assertThat(daemonSet(gpus, Policies.example("multi-backend.yaml")).getSpec().getTemplate().getSpec().getAffinity())
                .as("a policy selecting every node makes the union every node").isNull();
    }

    @Test
    void everyPolicyServedOwnsTheDaemonSetAndNoneControlsIt() {
        ProfilingPolicy other = Policies.parse("other", "export: {backends: [{name: p, parca: {address: 'p:7070'}}]}");
        other.getMetadata().setUid("uid-other");

        DaemonSet ds = daemonSet(other, Policies.example("minimal-parca.yaml"));

        assertThat(ds.getMetadata().getOwnerReferences()).extracting(o -> o.getName() + " " + o.getController())
                .containsExactly("everything false", "other false");
    }

    @Test
    void labelsSelectOnlyTheSharedCollectorsPodsNotThoseOfPerPolicyDaemonSets() {
        DaemonSet ds = daemonSet(Policies.example("minimal-parca.yaml"));

        assertThat(ds.getSpec().getSelector().getMatchLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/name", "scorch-collector", "app.kubernetes.io/component", "node-collector"));
        assertThat(ds.getMetadata().getLabels()).doesNotContainKey("app.kubernetes.io/instance");
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "scorch-operator");
        assertThat(Serialization.asJson(ds)).doesNotContain("\"privileged\":true");
    }
}
