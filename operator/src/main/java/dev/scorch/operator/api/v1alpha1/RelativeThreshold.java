package dev.scorch.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A threshold relative to the container's own recent average (its last ten checks): fires when the
 * value is at least min and more than diffPercent above the average, or, whatever the average,
 * when it is at least abs. Values are quantity strings in the metric's unit: cores for cpu (500m), bytes
 * for memory (256Mi), a count for goroutines (2k).
 *
 * @param min the value below which a jump does not count, so an idle container's noise never fires
 * @param diffPercent how far above the recent average, in percent, 1 to 10000 (100 = twice the average)
 * @param abs fires at this value or more whatever the average; at least min
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "quantity(self.abs).compareTo(quantity(self.min)) >= 0",
        message = "triggers.rules[].relative.abs must be at least relative.min")
public record RelativeThreshold(
        @Required
        @ValidationRule(
                value = "isQuantity(self) && !quantity(self).isLessThan(quantity('0'))",
                message = "triggers.rules[].relative.min must be a quantity of 0 or more")
        @Size(max = 32) String min,
        @Required @Min(1) @Max(10000) Integer diffPercent,
        @Required
        @ValidationRule(
                value = "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
                message = "triggers.rules[].relative.abs must be a quantity above 0")
        @Size(max = 32) String abs) {}
