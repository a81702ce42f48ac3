package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A fixed threshold; exactly one of above and percentOfLimit is set.
 *
 * @param above fires at this value or more, a quantity string in the metric's unit: cores for cpu (1500m),
 *     bytes for memory (512Mi), a count for goroutines (10k)
 * @param percentOfLimit fires at this share of the container's limit or more (its CPU quota or its
 *     memory limit), 1 to 100; a container without a limit never fires
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "[has(self.above), has(self.percentOfLimit)].filter(x, x).size() == 1",
        message = "triggers.rules[].absolute: exactly one of above or percentOfLimit must be set")
public record AbsoluteThreshold(
        @ValidationRule(
                value = "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
                message = "triggers.rules[].absolute.above must be a quantity above 0")
        @Size(max = 32) String above,
        @Min(1) @Max(100) Integer percentOfLimit) {}
