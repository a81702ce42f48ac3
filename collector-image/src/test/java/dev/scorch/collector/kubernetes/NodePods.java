package dev.scorch.collector.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.UUID;

/** Pods as a kubelet would report them, without a kubelet: bound to a node, one running container. */
public final class NodePods {

    private NodePods() {}

    /** A pod bound to {@code node} whose status reports one running container with {@code containerId}. */
    public static void create(KubernetesClient admin, String namespace, String name, String node, String containerId, HasMetadata owner) {
        create(admin, namespace, name, node, containerId, owner, Map.of(), null, 0);
    }

    /**
     * A pod as {@link #create(KubernetesClient, String, String, String, String, HasMetadata)} makes it, with
     * {@code annotations}, the pod IP {@code podIp} and a container port named {@code pprof} (when {@code port} > 0).
     */
    public static void create(KubernetesClient admin, String namespace, String name, String node, String containerId, HasMetadata owner,
            Map<String, String> annotations, String podIp, int port) {
        PodBuilder builder = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withAnnotations(annotations)
                .withLabels(Map.of("app", "checkout", "pod-template-hash", "5d8f7c9b4")).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec();
        if (port > 0) {
            builder.editSpec().editFirstContainer().addNewPort().withName("pprof").withContainerPort(port).endPort().endContainer().endSpec();
        }
        if (owner != null) {
            builder.editMetadata().withOwnerReferences(controllerRef(owner.getApiVersion(), owner.getKind(), owner.getMetadata().getName(),
                    owner.getMetadata().getUid())).endMetadata();
        }
        Pod pod = admin.pods().inNamespace(namespace).resource(builder.build()).create();
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
                .withContainerStatuses(new ContainerStatusBuilder().withName("api").withImage("example.invalid/api").withImageID("")
                        .withReady(true).withRestartCount(0).withContainerID("containerd://" + containerId)
                        .withNewState().withNewRunning().withStartedAt("2026-11-21T21:00:00Z").endRunning().endState().build())
                .withPodIP(podIp)
                .build());
        admin.pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    public static OwnerReference controllerRef(String apiVersion, String kind, String name, String uid) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name).withUid(uid)
                .withController(true).withBlockOwnerDeletion(false).build();
    }

    /**
     * A Deployment and the ReplicaSet it would own ({@code <name>-<hash>}), as the Deployment
     * controller would create it; tier 3 runs no controllers.
     */
    public static ReplicaSet deploymentWithReplicaSet(KubernetesClient admin, String namespace, String name, String hash) {
        Deployment deployment = admin.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec()
                .endTemplate().endSpec().build()).serverSideApply();
        return admin.apps().replicaSets().inNamespace(namespace).resource(new ReplicaSetBuilder()
                .withNewMetadata().withName(name + "-" + hash).withOwnerReferences(controllerRef("apps/v1", "Deployment",
                        deployment.getMetadata().getName(), deployment.getMetadata().getUid())).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("example.invalid/api").endContainer().endSpec()
                .endTemplate().endSpec().build()).serverSideApply();
    }

    /** A random 64-hex container id. */
    public static String containerId() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }
}
