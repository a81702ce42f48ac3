package dev.scorch.operator.crd;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicySpec;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Generates the ProfilingPolicy CRD from the API classes: the schema, bounds, defaults and CEL
 * rules from their annotations (fabric8 crd-generator v2), the descriptions from their Javadoc.
 * Embedded Kubernetes types get Kubernetes' own validation ({@link EmbeddedTypeRules}) and field
 * descriptions ({@link KubernetesOpenApi}), which their Java classes do not carry.
 */
final class ProfilingPolicyCrd {
    static final String FILE_NAME = ProfilingPolicy.CRD_NAME + "-v1.yml";
    private static final String API_PACKAGE = ProfilingPolicy.class.getPackageName();

    private ProfilingPolicyCrd() {}

    /** The CRD YAML, exactly as it must be committed under crds/. */
    static String generate(Path apiSources, KubernetesOpenApi kubernetes) throws IOException {
        JavadocIndex docs = JavadocIndex.of(apiSources);
        List<String> undocumented = new ArrayList<>();
        ByteArrayOutputStream yaml = new ByteArrayOutputStream();
        new CRDGenerator()
                .customResourceClasses(ProfilingPolicy.class)
                .forCRDVersions("v1")
                .withPostProcessor(new CRDPostProcessor() {
                    @Override
                    public HasMetadata process(HasMetadata crd, String version) {
                        describe((CustomResourceDefinition) crd, new Describer(docs, kubernetes, undocumented));
                        undescribed(rootSchema((CustomResourceDefinition) crd), "", undocumented);
                        dropDuplicateRules(rootSchema((CustomResourceDefinition) crd));
                        orderPrinterColumnsAsDeclared((CustomResourceDefinition) crd);
                        return crd;
                    }
                })
                .withOutput(new CRDGenerator.AbstractCRDOutput<ByteArrayOutputStream>() {
                    @Override
                    protected ByteArrayOutputStream createStreamFor(String crdName) {
                        return yaml;
                    }
                })
                .generate();
        if (!undocumented.isEmpty()) {
            throw new IllegalStateException(
                    "every CRD field needs a description (a @param on its record), missing for: " + undocumented);
        }
        return yaml.toString(StandardCharsets.UTF_8);
    }

    private static JSONSchemaProps rootSchema(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();
    }

    /** kubectl shows columns in CRD order; the generator does not keep the annotations' order. */
    private static void orderPrinterColumnsAsDeclared(CustomResourceDefinition crd) {
        List<String> declared = Arrays.stream(ProfilingPolicy.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        CustomResourceDefinitionVersion version = crd.getSpec().getVersions().getFirst();
        List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
        columns.sort(Comparator.comparingInt(c -> declared.indexOf(c.getName())));
        version.setAdditionalPrinterColumns(columns);
    }

    /**
     * A rule on a record component reaches the generator twice (through the field and the
     * accessor); the API server would evaluate, and report, it twice.
     */
    private static void dropDuplicateRules(JSONSchemaProps schema) {
        if (schema == null) {
            return;
        }
        if (schema.getXKubernetesValidations() != null) {
            schema.setXKubernetesValidations(
                    new ArrayList<>(new LinkedHashSet<>(schema.getXKubernetesValidations())));
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(ProfilingPolicyCrd::dropDuplicateRules);
        }
        if (schema.getItems() != null) {
            dropDuplicateRules(schema.getItems().getSchema());
        }
        if (schema.getAdditionalProperties() != null) {
            dropDuplicateRules(schema.getAdditionalProperties().getSchema());
        }
    }

    private static void describe(CustomResourceDefinition crd, Describer describer) {
        JSONSchemaProps root = rootSchema(crd);
        root.setDescription(describer.docs.typeDoc(ProfilingPolicy.class));
        JSONSchemaProps spec = root.getProperties().get("spec");
        spec.setDescription(describer.docs.typeDoc(ProfilingPolicySpec.class));
        describer.record(spec, ProfilingPolicySpec.class);
        JSONSchemaProps status = root.getProperties().get("status");
        status.setDescription(describer.docs.typeDoc(ProfilingPolicyStatus.class));
        describer.record(status, ProfilingPolicyStatus.class);
    }

    /** Adds the path of every property below {@code schema} that has no description to {@code undescribed}. */
    private static void undescribed(JSONSchemaProps schema, String path, List<String> undescribed) {
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> {
                String field = path.isEmpty() ? name : path + "." + name;
                if (!path.isEmpty() && (property.getDescription() == null || property.getDescription().isBlank())) {
                    undescribed.add(field);
                }
                undescribed(property, field, undescribed);
            });
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            undescribed(schema.getItems().getSchema(), path + "[]", undescribed);
        }
    }

    /** Walks the API records: their Javadoc describes their fields, Kubernetes describes embedded types. */
    private record Describer(JavadocIndex docs, KubernetesOpenApi kubernetes, List<String> undocumented) {
        void record(JSONSchemaProps schema, Class<?> record) {
            for (RecordComponent component : record.getRecordComponents()) {
                JSONSchemaProps property = schema.getProperties().get(component.getName());
                if (property == null) {
                    continue;
                }
                String doc = docs.componentDoc(record, component.getName());
                if (doc == null) {
                    undocumented.add(record.getSimpleName() + "." + component.getName());
                }
                property.setDescription(doc);
                Type type = component.getGenericType();
                if (type instanceof ParameterizedType generic && generic.getRawType() == List.class) {
                    field(property.getItems().getSchema(), generic.getActualTypeArguments()[0]);
                } else if (!(type instanceof ParameterizedType generic && generic.getRawType() == Map.class)) {
                    field(property, type);
                }
            }
        }

        private void field(JSONSchemaProps schema, Type type) {
            if (isApiRecord(type)) {
                record(schema, (Class<?>) type);
            } else if (type instanceof Class<?> embedded && kubernetes.describeFields(embedded, schema)
                    && !EmbeddedTypeRules.constrain(embedded, schema)) {
                throw new IllegalStateException(embedded.getSimpleName() + " is described but not validated:"
                        + " add Kubernetes' rules for it to EmbeddedTypeRules");
            }
        }
    }

    private static boolean isApiRecord(Type type) {
        return type instanceof Class<?> c && c.isRecord() && c.getPackageName().equals(API_PACKAGE);
    }
}
