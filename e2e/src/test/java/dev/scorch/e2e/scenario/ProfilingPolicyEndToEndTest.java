package dev.scorch.e2e.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cgroup.CgroupHierarchies;
import dev.scorch.e2e.cluster.Kubectl;
import dev.scorch.e2e.cluster.PolicyStatus;
import dev.scorch.e2e.kubelet.ContainerImage;
import dev.scorch.e2e.kubelet.ContainerProcess;
import dev.scorch.e2e.kubelet.FakeKubelet;
import dev.scorch.e2e.workload.HotLoopProgram;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.ParcaServer;
import dev.scorch.testenv.TestBinaries;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier 5 (docs/architecture.md, "Test tiers"): a cluster admin's whole path on one host. A real
 * API server with its controllers and scheduler, {@code deploy/} applied with kubectl, the operator running as the pod
 * its Deployment makes (under its own ServiceAccount), two workloads as real processes in
 * kubelet-shaped cgroups behind real Pods, a policy from {@code examples/} shipping to a real
 * Parca server, and the real collector running as its DaemonSet's pod on this node, with the
 * config, token and Secret files the operator and API server gave that pod. Then three policies
 * with different selectors and backends share that one collector pod, and edits reach it in place.
 *
 * <p>The steps depend on each other and run in order; each is one behaviour the admin relies on.
 * A {@link FakeKubelet} stands in for the kubelet (there is none here); everything else is the
 * real thing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProfilingPolicyEndToEndTest {

    private static final String SCORCH_NAMESPACE = ScorchOnOneHost.SCORCH_NAMESPACE;
    private static final String EXAMPLE = "examples/checkout-to-parca-with-token.yaml";
    private static final int EXPORT_INTERVAL_SECONDS = 5;
    private static final int STATUS_UPDATE_SECONDS = 5;
    private static final Duration GENEROUS = ScorchOnOneHost.GENEROUS;

    private final StepTimings timings = new StepTimings();
    private ScorchOnOneHost host;
    private Path repository;
    private Path work;
    private KubernetesClient client;
    private Kubectl kubectl;
    private ParcaServer parca;
    private FakeKubelet kubelet;
    private String nodeName;
    private HotLoopProgram checkoutProgram;
    private HotLoopProgram billingProgram;
    private GenericKubernetesResource policy;
    private String policyName;
    private String backendName;

    @BeforeAll
    void startTheClusterTheOperatorAndTheWorkloads() throws Exception {
        Tier.END_TO_END.require(HotLoopProgram.compilerAvailable(), "needs a C compiler for the workloads");
        host = ScorchOnOneHost.start(STATUS_UPDATE_SECONDS);
        repository = host.repository();
        work = host.work();
        client = host.client();
        kubectl = host.kubectl();
        kubelet = host.kubelet();
        nodeName = host.nodeName();
        parca = ParcaServer.start(Tier.END_TO_END, work.resolve("parca"));

        checkoutProgram = HotLoopProgram.compile(work, "checkout_api_hot");
        billingProgram = HotLoopProgram.compile(work, "invoice_batch_hot");
        kubelet.load(workloadImage("e2e.scorch.dev/checkout-api", checkoutProgram));
        kubelet.load(workloadImage("e2e.scorch.dev/invoice-batch", billingProgram));
        startWorkload("shop", Map.of("team", "checkout"), "checkout-api", "api", "e2e.scorch.dev/checkout-api:1");
        startWorkload("billing", Map.of("team", "billing"), "invoice-batch", "worker", "e2e.scorch.dev/invoice-batch:1");
        await("both workloads run").atMost(GENEROUS).until(() -> host.readyPods("shop", Map.of("app", "api")) == 1
                && host.readyPods("billing", Map.of("app", "worker")) == 1);
    }

    @Test
    @Order(1)
    void profilesOfTheSelectedPodArriveAtParcaWithTheirLabelsAndHotFunction() {
        policy = policyFromExample();
        policyName = policy.getMetadata().getName();
        client.resource(new SecretBuilder().withNewMetadata().withName("polarsignals-token").withNamespace(SCORCH_NAMESPACE)
                .endMetadata().addToStringData("token", "e2e-project-token").build()).serverSideApply();
        Instant applied = Instant.now();
        kubectl.runWithInput(Serialization.asYaml(policy), "apply", "-f", "-");

        host.loadCollectorImage();
        timings.record("policy applied -> DaemonSet exists", Duration.between(applied, Instant.now()));

        Pod checkoutPod = host.onlyPod("shop", "api");
        await("the checkout pod's profiles reach Parca").atMost(GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "pod").contains(checkoutPod.getMetadata().getName()));
        timings.record("policy applied -> first profile of the selected pod at Parca", Duration.between(applied, Instant.now()));

        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "service_name")).contains("shop/checkout-api");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "namespace")).containsExactly("shop");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "container")).contains("api");
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "node")).containsExactly(nodeName);
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "cluster")).containsExactly("prod-eu-1");
        await("the hot function leads the checkout profile").atMost(GENEROUS).untilAsserted(() ->
                assertThat(parca.topFunction(ParcaServer.CPU_SAMPLES + "{namespace=\"shop\"}").name()).isEqualTo(checkoutProgram.hotFunction()));
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "pod")).doesNotContain(host.onlyPod("billing", "worker").getMetadata().getName());
        assertThat(parca.topFunction(ParcaServer.CPU_SAMPLES + "{namespace=\"billing\"}")).isNull();

        PolicyStatus ready = await("the policy reports this node collecting").atMost(GENEROUS)
                .until(this::status, s -> s.conditionIs("Ready", "True") && s.nodes("collecting") == 1 && s.lastExportTime() != null);
        timings.record("policy applied -> status Ready=True", Duration.between(applied, Instant.now()));
        Instant firstExport = ready.lastExportTime();
        await("lastExportTime advances").atMost(Duration.ofSeconds(STATUS_UPDATE_SECONDS * 3L + 60))
                .until(() -> status().lastExportTime().isAfter(firstExport));
    }

    @Test
    @Order(2)
    void aBackendOutageTurnsThePolicyDegradedNamingTheBackendAndRecoveryDeliversTheSpool() {
        Pod checkoutPod = host.onlyPod("shop", "api");
        Instant outage = Instant.now();
        parca.stop();
        PolicyStatus degraded = await("the policy turns Degraded for this node")
                .atMost(Duration.ofSeconds(2L * EXPORT_INTERVAL_SECONDS + STATUS_UPDATE_SECONDS + 60))
                .pollInterval(Duration.ofMillis(500))
                .until(this::status, s -> s.conditionIs("Degraded", "True")
                        && "BackendUnreachable".equals(s.failingNode(nodeName).get("reason")));
        Duration toDegraded = Duration.between(outage, Instant.now());
        timings.record("Parca stopped -> status Degraded/BackendUnreachable (bound: 2 x " + EXPORT_INTERVAL_SECONDS
                + "s interval + " + STATUS_UPDATE_SECONDS + "s status interval)", toDegraded);
        assertThat(degraded.failingNode(nodeName).get("message").toString()).contains(backendName);
        assertThat(degraded.condition("Degraded").get("message").toString()).contains(nodeName);

        Instant recovery = Instant.now();
        parca.restart();
        await("the policy recovers").atMost(GENEROUS).pollInterval(Duration.ofMillis(500))
                .until(this::status, s -> s.conditionIs("Ready", "True") && !s.conditionIs("Degraded", "True"));
        timings.record("Parca restarted -> status Ready=True", Duration.between(recovery, Instant.now()));
        await("profiles spooled during the outage arrive").atMost(GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> ParcaQueries.samplesBetween(parca, "{pod=\"" + checkoutPod.getMetadata().getName() + "\"}",
                        outage.plusSeconds(EXPORT_INTERVAL_SECONDS), recovery) > 0);
        timings.record("Parca restarted -> spooled outage profiles queryable", Duration.between(recovery, Instant.now()));
    }

    @Test
    @Order(3)
    void threePoliciesWithTheirOwnSelectorsAndBackendsShareOneCollectorAndAnEditOfOneLeavesTheOthersAlone() throws Exception {
        Pod collector = collectorPod();
        ParcaServer billingParca = ParcaServer.start(Tier.END_TO_END, work.resolve("parca-billing"));
        ParcaServer everythingParca = ParcaServer.start(Tier.END_TO_END, work.resolve("parca-everything"));
        try {
            // The same nodes as checkout-cpu, so the union of nodes, and with it the pod template, stays as it is.
            String nodes = "nodes: {selector: {matchLabels: {node-role.kubernetes.io/worker: ''}}}";
            kubectl.runWithInput(extraPolicy("billing-cpu", nodes, "targets: {namespaceSelector: {matchLabels: {team: billing}}}",
                    billingParca), "apply", "-f", "-");
            kubectl.runWithInput(extraPolicy("everything-cpu", nodes,
                    "targets: {namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}}", everythingParca),
                    "apply", "-f", "-");
            Pod checkoutPod = host.onlyPod("shop", "api");
            Pod billingPod = host.onlyPod("billing", "worker");
            await("each backend receives its policy's targets").atMost(GENEROUS).pollInterval(Duration.ofSeconds(1)).until(() ->
                    billingParca.labelValues(ParcaServer.CPU_SAMPLES, "pod").contains(billingPod.getMetadata().getName())
                            && everythingParca.labelValues(ParcaServer.CPU_SAMPLES, "pod").containsAll(List.of(
                                    billingPod.getMetadata().getName(), checkoutPod.getMetadata().getName())));
            Thread.sleep(Duration.ofSeconds(2L * EXPORT_INTERVAL_SECONDS));
            assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "namespace")).as("checkout-cpu's backend").containsExactly("shop");
            assertThat(billingParca.labelValues(ParcaServer.CPU_SAMPLES, "namespace")).as("billing-cpu's backend").containsExactly("billing");
            assertThat(everythingParca.labelValues(ParcaServer.CPU_SAMPLES, "namespace")).as("everything-cpu's backend")
                    .containsExactlyInAnyOrder("shop", "billing");
            for (String name : List.of(policyName, "billing-cpu", "everything-cpu")) {
                await("policy " + name + " reports this node collecting").atMost(GENEROUS).until(() -> status(name),
                        s -> s.conditionIs("Ready", "True") && s.nodes("collecting") == 1 && s.nodes("desired") == 1);
            }
            assertThat(client.apps().daemonSets().inNamespace(SCORCH_NAMESPACE).list().getItems()).hasSize(1);
            assertThat(host.collectorPods()).as("one collector pod on the node, the one from before").singleElement()
                    .satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(collector.getMetadata().getUid()));

            Instant edited = Instant.now();
            kubectl.run("patch", "profilingpolicy", "billing-cpu", "--type=merge", "-p", "{\"spec\":{\"sampling\":{\"frequencyHz\":49}}}");
            await("the collector serves the edited billing-cpu").atMost(GENEROUS).until(() -> configSeenBy(collector).contains("\"frequencyHz\" : 49"));
            Instant reloaded = Instant.now();
            timings.record("policy edited -> the running collector reads the new config", Duration.between(edited, reloaded));
            Thread.sleep(Duration.ofSeconds(3L * EXPORT_INTERVAL_SECONDS));
            for (Instant from = edited.minusSeconds(EXPORT_INTERVAL_SECONDS); from.isBefore(reloaded.plusSeconds(EXPORT_INTERVAL_SECONDS));
                    from = from.plusSeconds(EXPORT_INTERVAL_SECONDS)) {
                Instant window = from;
                await("checkout-cpu's profiles cover " + window + " despite the edit of billing-cpu").atMost(GENEROUS).until(() ->
                        ParcaQueries.samplesBetween(parca, "{namespace=\"shop\"}", window, window.plusSeconds(2L * EXPORT_INTERVAL_SECONDS)) > 0);
            }
            assertThat(host.collectorPods()).singleElement()
                    .satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(collector.getMetadata().getUid()));
            assertThat(kubelet.container(SCORCH_NAMESPACE, collector.getMetadata().getName(), collectorContainer(collector)).isAlive()).isTrue();
        } finally {
            kubectl.run("delete", "profilingpolicy", "billing-cpu", "everything-cpu", "--ignore-not-found", "--wait=true");
            billingParca.close();
            everythingParca.close();
        }
    }

    @Test
    @Order(4)
    void anEditedPolicyReachesTheRunningCollectorWithoutARestart() throws Exception {
        Pod collector = collectorPod();
        ContainerProcess process = kubelet.container(SCORCH_NAMESPACE, collector.getMetadata().getName(), collectorContainer(collector));
        Instant edited = Instant.now();
        kubectl.run("patch", "profilingpolicy", policyName, "--type=merge", "-p",
                "{\"spec\":{\"sampling\":{\"frequencyHz\":49},\"targets\":{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"billing\"}}}}}");

        String seenConfig = await("the running collector sees the edited policy in its mounted config").atMost(GENEROUS)
                .until(() -> configSeenBy(collector), text -> text.contains("\"billing\""));
        Map<?, ?> policySection = (Map<?, ?>) ((List<?>) Serialization.unmarshal(seenConfig, Map.class).get("policies")).getFirst();
        assertThat(((Map<?, ?>) policySection.get("sampling")).get("frequencyHz")).isEqualTo(49);

        Pod billingPod = host.onlyPod("billing", "worker");
        await("the newly selected pod's profiles reach Parca").atMost(GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "pod").contains(billingPod.getMetadata().getName()));
        timings.record("policy edited -> first profile of the newly selected pod at Parca", Duration.between(edited, Instant.now()));
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(
                parca.topFunction(ParcaServer.CPU_SAMPLES + "{namespace=\"billing\"}").name()).isEqualTo(billingProgram.hotFunction()));
        Instant afterReload = Instant.now().plusSeconds(EXPORT_INTERVAL_SECONDS);
        Thread.sleep(Duration.ofSeconds(3L * EXPORT_INTERVAL_SECONDS));
        assertThat(ParcaQueries.samplesBetween(parca, "{namespace=\"shop\"}", afterReload, Instant.now()))
                .as("the no longer selected checkout pod stops arriving").isZero();
        assertThat(process.isAlive()).as("the same collector process, reloaded in place").isTrue();
        assertThat(collectorPod().getMetadata().getUid()).isEqualTo(collector.getMetadata().getUid());
        await().atMost(GENEROUS).until(() -> status().observedGeneration() == host.policies().withName(policyName).get().getMetadata().getGeneration()
                && status().conditionIs("Ready", "True"));
    }

    /** collector.json as the collector process sees it at its config path, through its mount namespace. */
    private String configSeenBy(Pod collector) {
        ContainerProcess process = kubelet.container(SCORCH_NAMESPACE, collector.getMetadata().getName(), collectorContainer(collector));
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "root", "etc", "scorch", "config", "collector.json"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private String extraPolicy(String name, String nodes, String targets, ParcaServer backend) {
        return """
                apiVersion: scorch.dev/v1alpha1
                kind: ProfilingPolicy
                metadata: {name: %s}
                spec:
                  %s
                  %s
                  export:
                    interval: %ds
                    backends: [{name: parca, parca: {address: "%s", insecure: true}}]
                """.formatted(name, nodes, targets, EXPORT_INTERVAL_SECONDS, backend.grpcAddress());
    }

    @Test
    @Order(5)
    void deletingTheLastPolicyLeavesNothingBehind() {
        String daemonSet = status().daemonSet();
        Pod collector = collectorPod();
        ContainerProcess process = kubelet.container(SCORCH_NAMESPACE, collector.getMetadata().getName(), collectorContainer(collector));
        String uid = host.policies().withName(policyName).get().getMetadata().getUid();
        kubectl.run("delete", "profilingpolicy", policyName, "--wait=true");

        await("everything the policy owned is garbage-collected").atMost(GENEROUS).untilAsserted(() -> {
            assertThat(client.apps().daemonSets().inNamespace(SCORCH_NAMESPACE).withName(daemonSet).get()).isNull();
            assertThat(client.configMaps().inNamespace(SCORCH_NAMESPACE).list().getItems())
                    .noneMatch(c -> ownedBy(c.getMetadata().getOwnerReferences(), uid));
            assertThat(client.secrets().inNamespace(SCORCH_NAMESPACE).list().getItems())
                    .noneMatch(c -> ownedBy(c.getMetadata().getOwnerReferences(), uid));
            assertThat(client.serviceAccounts().inNamespace(SCORCH_NAMESPACE).list().getItems())
                    .noneMatch(a -> ownedBy(a.getMetadata().getOwnerReferences(), uid));
            assertThat(client.pods().inNamespace(SCORCH_NAMESPACE).list().getItems())
                    .noneMatch(p -> p.getMetadata().getName().startsWith(daemonSet));
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        assertThat(process.cgroup().directories()).allSatisfy(dir -> assertThat(dir).doesNotExist());
    }

    @AfterAll
    void stopEverything() {
        System.out.println("e2e timings:\n" + timings.table());
        if (repository != null) {
            timings.writeTo(repository.resolve("e2e/target/e2e-timings.md"));
        }
        if (parca != null) {
            parca.close();
        }
        if (host != null) {
            host.close();
        }
    }

    /** The example policy as an admin would adapt it here: our Parca's address, a short interval. */
    @SuppressWarnings("unchecked")
    private GenericKubernetesResource policyFromExample() {
        GenericKubernetesResource example = Serialization.unmarshal(read(repository.resolve(EXAMPLE)), GenericKubernetesResource.class);
        Map<String, Object> spec = (Map<String, Object>) example.getAdditionalProperties().get("spec");
        Map<String, Object> export = (Map<String, Object>) spec.get("export");
        export.put("interval", EXPORT_INTERVAL_SECONDS + "s");
        Map<String, Object> backend = ((List<Map<String, Object>>) export.get("backends")).getFirst();
        backendName = backend.get("name").toString();
        Map<String, Object> parcaBackend = (Map<String, Object>) backend.get("parca");
        parcaBackend.put("address", parca.grpcAddress());
        parcaBackend.put("insecure", true);
        parcaBackend.remove("tls");
        return example;
    }

    private PolicyStatus status() {
        return status(policyName);
    }

    private PolicyStatus status(String name) {
        return host.status(name);
    }

    private Pod collectorPod() {
        Pod pod = collectorPodOrNull();
        assertThat(pod).as("collector pod of policy %s on node %s", policyName, nodeName).isNotNull();
        return pod;
    }

    private Pod collectorPodOrNull() {
        String daemonSet = status().daemonSet();
        return client.pods().inNamespace(SCORCH_NAMESPACE).withField("spec.nodeName", nodeName).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> "DaemonSet".equals(o.getKind()) && o.getName().equals(daemonSet)))
                .findFirst().orElse(null);
    }

    private static String collectorContainer(Pod pod) {
        return pod.getSpec().getContainers().getFirst().getName();
    }

    private static boolean ownedBy(List<io.fabric8.kubernetes.api.model.OwnerReference> owners, String uid) {
        return owners != null && owners.stream().anyMatch(o -> uid.equals(o.getUid()));
    }

    private void startWorkload(String namespace, Map<String, String> namespaceLabels, String name, String app, String image) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).withLabels(namespaceLabels)
                .endMetadata().build()).serverSideApply();
        client.apps().deployments().resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", app).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata()
                .withNewSpec()
                .addNewContainer().withName(app).withImage(image)
                .withNewResources().addToRequests("cpu", new Quantity("10m")).endResources()
                .endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    private static ContainerImage workloadImage(String repository, HotLoopProgram program) {
        return new ContainerImage(repository, program.command(25, 100), List.of(), Map.of(), Map.of(), Map.of());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }
}
