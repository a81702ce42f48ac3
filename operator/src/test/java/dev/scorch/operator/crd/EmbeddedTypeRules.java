package dev.scorch.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRuleBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The validation Kubernetes applies to the types a policy embeds (label selectors, tolerations,
 * resource requirements), written into the CRD schema so that the API server refuses a bad value
 * when the policy is written, naming the field, instead of the operator failing to apply the
 * DaemonSet later. The generator knows only the Java types, which carry no such rules.
 */
final class EmbeddedTypeRules {
    /** A label value: at most 63 characters, alphanumeric at both ends, '-', '_', '.' inside. */
    static final String LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
    /** A qualified name (label key): an optional DNS subdomain prefix and '/', then a name part. */
    static final String LABEL_KEY = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    private static final long LABEL_KEY_MAX = 253 + 1 + 63;
    /** LABEL_KEY as a CEL string literal: CEL unescapes backslashes once more than the schema's pattern does. */
    private static final String LABEL_KEY_CEL = "'" + LABEL_KEY.replace("\\", "\\\\") + "'";
    private static final String LABEL_KEY_MESSAGE = "must be a label key: an optional DNS subdomain prefix and '/',"
            + " then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    /** A quantity as Kubernetes writes one (a decimal, then a binary or decimal suffix or an exponent), not negative. */
    private static final String NON_NEGATIVE_QUANTITY = "^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))"
            + "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
    /** Kubernetes' own resource names, plus extended resources, which carry a domain prefix. */
    private static final String RESOURCE_NAME =
            "^(cpu|memory|ephemeral-storage|hugepages-[0-9]+[KMGTPE]i?|[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-A-Za-z0-9_.]{1,63})$";

    private EmbeddedTypeRules() {}

    /** Adds Kubernetes' validation of {@code type} to its schema; false when the type is not one a policy embeds. */
    static boolean constrain(Class<?> type, JSONSchemaProps schema) {
        if (type == LabelSelector.class) {
            labelSelector(schema);
        } else if (type == Toleration.class) {
            toleration(schema);
        } else if (type == ResourceRequirements.class) {
            resourceRequirements(schema);
        } else {
            return false;
        }
        return true;
    }

    private static void labelSelector(JSONSchemaProps selector) {
        JSONSchemaProps matchLabels = selector.getProperties().get("matchLabels");
        matchLabels.setMaxProperties(64L);
        labelValue(matchLabels.getAdditionalProperties().getSchema());
        rules(matchLabels, rule("self.all(k, size(k) <= " + LABEL_KEY_MAX + " && k.matches(" + LABEL_KEY_CEL + "))",
                "every matchLabels key " + LABEL_KEY_MESSAGE));

        JSONSchemaProps expressions = selector.getProperties().get("matchExpressions");
        expressions.setMaxItems(32L);
        JSONSchemaProps requirement = expressions.getItems().getSchema();
        JSONSchemaProps key = requirement.getProperties().get("key");
        key.setMaxLength(LABEL_KEY_MAX);
        key.setPattern(LABEL_KEY);
        enumOf(requirement.getProperties().get("operator"), "In", "NotIn", "Exists", "DoesNotExist");
        JSONSchemaProps values = requirement.getProperties().get("values");
        values.setMaxItems(64L);
        labelValue(values.getItems().getSchema());
        required(requirement, "key", "operator");
        rules(requirement, rule(
                "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0"
                        + " : !has(self.values) || size(self.values) == 0",
                "operators In and NotIn need at least one value; Exists and DoesNotExist take none"));
    }

    private static void toleration(JSONSchemaProps toleration) {
        JSONSchemaProps key = toleration.getProperties().get("key");
        key.setMaxLength(LABEL_KEY_MAX);
        key.setPattern("^$|" + LABEL_KEY);
        enumOf(toleration.getProperties().get("operator"), "Exists", "Equal");
        enumOf(toleration.getProperties().get("effect"), "NoSchedule", "PreferNoSchedule", "NoExecute");
        labelValue(toleration.getProperties().get("value"));
        rules(toleration,
                rule("!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
                        "operator Exists takes no value"),
                rule("(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
                        "an empty key needs operator Exists (which tolerates every taint)"),
                rule("!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
                        "tolerationSeconds needs effect NoExecute"));
    }

    private static void resourceRequirements(JSONSchemaProps resources) {
        for (String list : List.of("limits", "requests")) {
            JSONSchemaProps quantities = resources.getProperties().get(list);
            // A small bound keeps the CEL rules within the API server's cost budget.
            quantities.setMaxProperties(4L);
            JSONSchemaProps quantity = quantities.getAdditionalProperties().getSchema();
            quantity.setPattern(NON_NEGATIVE_QUANTITY);
            quantity.setMinimum(0.0);
            rules(quantities, rule("self.all(k, k.matches('" + RESOURCE_NAME + "'))", list + " keys must be cpu, memory,"
                    + " ephemeral-storage, hugepages-<size> or a domain-prefixed extended resource"));
        }
        resources.getProperties().get("claims").setMaxItems(0L);
        rules(resources,
                rule("!has(self.claims) || size(self.claims) == 0",
                        "claims is not supported: collector pods claim no dynamic resources"),
                rule("!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits)"
                                + " || quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k]))) <= 0)",
                        "requests may not exceed limits"));
    }

    private static void labelValue(JSONSchemaProps value) {
        value.setMaxLength(63L);
        value.setPattern(LABEL_VALUE);
    }

    private static void enumOf(JSONSchemaProps schema, String... values) {
        schema.setEnum(Arrays.stream(values).map(v -> (JsonNode) TextNode.valueOf(v)).toList());
    }

    private static void required(JSONSchemaProps schema, String... fields) {
        schema.setRequired(List.of(fields));
    }

    private static void rules(JSONSchemaProps schema, ValidationRule... rules) {
        List<ValidationRule> all = new ArrayList<>(
                schema.getXKubernetesValidations() == null ? List.of() : schema.getXKubernetesValidations());
        all.addAll(List.of(rules));
        schema.setXKubernetesValidations(all);
    }

    private static ValidationRule rule(String rule, String message) {
        return new ValidationRuleBuilder().withRule(rule).withMessage(message).build();
    }
}
