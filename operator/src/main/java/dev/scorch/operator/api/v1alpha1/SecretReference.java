package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A Secret in the operator's install namespace, mounted read-only into the collector pods.
 *
 * @param name name of the Secret
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretReference(
        @Required @Size(min = 1, max = 253) @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String name) {}
