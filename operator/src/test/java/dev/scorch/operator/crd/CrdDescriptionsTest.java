package dev.scorch.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `kubectl explain` has something to say about every field of a policy, embedded Kubernetes types included. */
class CrdDescriptionsTest {

    @Test
    void everyFieldOfTheCommittedCrdHasADescription() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(CommittedCrdTest.COMMITTED),
                CustomResourceDefinition.class);
        JSONSchemaProps root = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();
        List<String> fields = new ArrayList<>();
        List<String> undescribed = new ArrayList<>();

        walk(root.getProperties().get("spec"), "spec", fields, undescribed);
        walk(root.getProperties().get("status"), "status", fields, undescribed);

        assertThat(fields).as("fields of embedded Kubernetes types are in the schema").contains(
                "spec.nodes.tolerations[].effect", "spec.nodes.selector.matchExpressions[].operator",
                "spec.collector.resources.limits");
        assertThat(undescribed).as("fields without a description").isEmpty();
    }

    private static void walk(JSONSchemaProps schema, String path, List<String> fields, List<String> undescribed) {
        fields.add(path);
        if (schema.getDescription() == null || schema.getDescription().isBlank()) {
            undescribed.add(path);
        }
        Map<String, JSONSchemaProps> properties = schema.getProperties();
        if (properties != null) {
            properties.forEach((name, property) -> walk(property, path + "." + name, fields, undescribed));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null
                && schema.getItems().getSchema().getProperties() != null) {
            schema.getItems().getSchema().getProperties()
                    .forEach((name, property) -> walk(property, path + "[]." + name, fields, undescribed));
        }
    }
}
