package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One key of a Secret in the operator's install namespace, mounted read-only into the collector pods.
 *
 * @param name name of the Secret
 * @param key the key inside the Secret whose value is used
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretKeyReference(
        @Required @Size(min = 1, max = 253) @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String name,
        @Required @Size(min = 1, max = 253) @Pattern("^[-._a-zA-Z0-9]+$") String key) {}
