package dev.scorch.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cgroup.CgroupHierarchies;
import dev.scorch.e2e.workload.HotLoopProgram;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeKubeletTest {

    @TempDir
    Path work;

    @Test
    void aDeploymentsPodRunsAsAHostProcessInTheCgroupItsStatusNamesAndGoesAwayWithIt() throws Exception {
        CgroupHierarchies cgroups = CgroupHierarchies.ofThisProcess();
        Tier.END_TO_END.require(cgroups.writable() && HotLoopProgram.compilerAvailable(),
                "needs root with writable cgroup hierarchies " + cgroups.describe() + " and a C compiler (cc)");
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.withControllers());
        KubernetesClient client = controlPlane.adminClient();
        HotLoopProgram program = HotLoopProgram.compile(work, "kubelet_self_test_hot");
        ContainerImage image = new ContainerImage("e2e.scorch.dev/kubelet-self-test", program.command(1, 200), List.of(), Map.of(), Map.of(), Map.of());
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kubelet-self-test").endMetadata().build()).serverSideApply();

        try (FakeKubelet kubelet = FakeKubelet.start(client, "kubelet-self-test-node", URI.create(controlPlane.url()),
                work.resolve("node"), cgroups, List.of(image))) {
            Deployment deployment = new DeploymentBuilder()
                    .withNewMetadata().withName("burner").withNamespace("kubelet-self-test").endMetadata()
                    .withNewSpec().withReplicas(1)
                    .withNewSelector().addToMatchLabels("app", "burner").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "burner").endMetadata()
                    .withNewSpec().withNodeSelector(Map.of("kubernetes.io/hostname", kubelet.nodeName()))
                    .addNewContainer().withName("main").withImage("e2e.scorch.dev/kubelet-self-test:1").endContainer()
                    .endSpec().endTemplate().endSpec().build();
            client.apps().deployments().resource(deployment).create();

            Pod running = await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace("kubelet-self-test")
                    .withLabel("app", "burner").list().getItems().stream()
                    .filter(p -> p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                            && Boolean.TRUE.equals(p.getStatus().getContainerStatuses().getFirst().getReady()))
                    .findFirst().orElse(null), p -> p != null);
            String containerId = running.getStatus().getContainerStatuses().getFirst().getContainerID();
            assertThat(running.getStatus().getPhase()).isEqualTo("Running");
            assertThat(containerId).matches("containerd://[0-9a-f]{64}");
            ContainerProcess process = kubelet.container("kubelet-self-test", running.getMetadata().getName(), "main");
            String procCgroup = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cgroup"));
            assertThat(procCgroup)
                    .contains("-pod" + running.getMetadata().getUid().replace('-', '_') + ".slice/cri-containerd-"
                            + containerId.substring("containerd://".length()) + ".scope");

            client.apps().deployments().inNamespace("kubelet-self-test").withName("burner").delete();
            await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace("kubelet-self-test").list().getItems().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
            assertThat(process.cgroup().directories()).allSatisfy(dir -> assertThat(dir).doesNotExist());
        }
    }
}
