package dev.scorch.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The descriptions Kubernetes gives the fields of the types a policy embeds, read from a real API
 * server's OpenAPI v3 document, so `kubectl explain` shows the upstream text of the Kubernetes
 * version the tests run, for every field of an embedded selector, toleration or resource list.
 */
final class KubernetesOpenApi {
    private static final String CORE_V1 = "/openapi/v3/api/v1";
    private static final String REF_PREFIX = "#/components/schemas/";
    private static final Map<Class<?>, String> DEFINITIONS = Map.of(
            LabelSelector.class, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
            Toleration.class, "io.k8s.api.core.v1.Toleration",
            ResourceRequirements.class, "io.k8s.api.core.v1.ResourceRequirements");

    private final JsonNode schemas;

    private KubernetesOpenApi(JsonNode schemas) {
        this.schemas = schemas;
    }

    /** The core/v1 OpenAPI document {@code client}'s API server serves. */
    static KubernetesOpenApi of(KubernetesClient client) {
        try {
            String document = client.raw(client.getMasterUrl().toString().replaceAll("/$", "") + CORE_V1);
            if (document == null) {
                throw new IllegalStateException("the API server serves no " + CORE_V1);
            }
            return new KubernetesOpenApi(new ObjectMapper().readTree(document).path("components").path("schemas"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse " + CORE_V1, e);
        }
    }

    /**
     * Describes every property below {@code schema}, the schema of an embedded {@code type}, with
     * the upstream text; the property itself keeps the policy's own description.
     *
     * @return whether {@code type} is one the document describes
     */
    boolean describeFields(Class<?> type, JSONSchemaProps schema) {
        String definition = DEFINITIONS.get(type);
        if (definition == null) {
            return false;
        }
        describeProperties(schema, definition(definition));
        return true;
    }

    private void describeProperties(JSONSchemaProps schema, JsonNode upstream) {
        if (schema.getProperties() == null) {
            return;
        }
        schema.getProperties().forEach((name, property) -> {
            JsonNode field = upstream.path("properties").path(name);
            if (field.isMissingNode()) {
                throw new IllegalStateException("Kubernetes' OpenAPI has no field " + name + " in " + upstream);
            }
            property.setDescription(field.path("description").asText(null));
            if (property.getItems() != null && property.getItems().getSchema() != null) {
                describeProperties(property.getItems().getSchema(), resolve(field.path("items")));
            } else {
                describeProperties(property, resolve(field));
            }
        });
    }

    /** Follows {@code $ref} or {@code allOf: [{$ref}]}, the two shapes Kubernetes uses for a nested type. */
    private JsonNode resolve(JsonNode node) {
        for (JsonNode candidate : List.of(node, node.path("allOf").path(0))) {
            String ref = candidate.path("$ref").asText("");
            if (ref.startsWith(REF_PREFIX)) {
                return definition(ref.substring(REF_PREFIX.length()));
            }
        }
        return node;
    }

    private JsonNode definition(String name) {
        JsonNode definition = schemas.path(name);
        if (definition.isMissingNode()) {
            throw new IllegalStateException("Kubernetes' OpenAPI has no definition " + name);
        }
        return definition;
    }
}
