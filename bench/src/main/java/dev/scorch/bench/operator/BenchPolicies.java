package dev.scorch.bench.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's ProfilingPolicies, written as a user would (untyped, as YAML would be): each
 * selects nodes and exports to one Parca backend, so it needs no Secret.
 */
final class BenchPolicies {

    private final KubernetesClient admin;

    BenchPolicies(KubernetesClient admin) {
        this.admin = admin;
    }

    void create(String name, Map<String, Object> nodeSelector) {
        GenericKubernetesResource policy = new GenericKubernetesResourceBuilder()
                .withApiVersion("scorch.dev/v1alpha1")
                .withKind("ProfilingPolicy")
                .withNewMetadata().withName(name).endMetadata()
                .build();
        policy.setAdditionalProperty("spec", Map.of(
                "nodes", Map.of("selector", nodeSelector),
                "export", Map.of("backends", List.of(Map.of(
                        "name", "parca",
                        "parca", Map.of("address", "parca.monitoring.svc:7070", "insecure", true))))));
        policies().resource(policy).create();
    }

    GenericKubernetesResource get(String name) {
        return policies().withName(name).get();
    }

    void delete(String name) {
        policies().withName(name).delete();
    }

    private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> policies() {
        return admin.genericKubernetesResources("scorch.dev/v1alpha1", "ProfilingPolicy");
    }
}
