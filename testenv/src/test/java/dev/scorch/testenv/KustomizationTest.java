package dev.scorch.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KustomizationTest {

    @Test
    void appliesWhatKubectlKustomizeRendersExceptWhatTheFilterLeavesOut(@TempDir Path directory) throws IOException {
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        Files.writeString(directory.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: kustomized
                resources: [objects.yaml]
                """);
        Files.writeString(directory.resolve("objects.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: kustomized}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: wanted}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: filtered-out}
                """);

        List<HasMetadata> applied = Kustomization.apply(controlPlane.adminClient(), directory,
                object -> !object.getMetadata().getName().equals("filtered-out"));

        assertThat(applied).extracting(object -> object.getMetadata().getName()).containsExactly("kustomized", "wanted");
        assertThat(controlPlane.adminClient().configMaps().inNamespace("kustomized").withName("wanted").get()).isNotNull();
        assertThat(controlPlane.adminClient().configMaps().inNamespace("kustomized").withName("filtered-out").get()).isNull();
    }
}
