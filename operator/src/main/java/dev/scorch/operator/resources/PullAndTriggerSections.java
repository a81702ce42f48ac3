package dev.scorch.operator.resources;

import dev.scorch.operator.api.v1alpha1.AbsoluteThreshold;
import dev.scorch.operator.api.v1alpha1.Pull;
import dev.scorch.operator.api.v1alpha1.RelativeThreshold;
import dev.scorch.operator.api.v1alpha1.TriggerRule;
import dev.scorch.operator.api.v1alpha1.Triggers;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;

/**
 * A policy's {@code pull} and {@code triggers} in collector.json: durations in seconds and
 * quantities as plain numbers in the metric's unit (cores, bytes, goroutines), so the collector
 * parses no Kubernetes syntax.
 */
final class PullAndTriggerSections {

    private PullAndTriggerSections() {}

    /** The pull section, null when the policy pulls nothing. */
    static CollectorJson.Pull pull(Pull pull) {
        if (pull == null) {
            return null;
        }
        return new CollectorJson.Pull(List.copyOf(pull.types()), CollectorConfigMap.intervalSeconds(pull.interval()),
                CollectorConfigMap.intervalSeconds(pull.timeout()), Quantity.getAmountInBytes(pull.maxProfileBytes()).longValue(),
                pull.maxConcurrent());
    }

    /** The triggers section, null when the policy has none. */
    static CollectorJson.Triggers triggers(Triggers triggers) {
        if (triggers == null) {
            return null;
        }
        return new CollectorJson.Triggers(CollectorConfigMap.intervalSeconds(triggers.checkInterval()),
                triggers.rules().stream().map(PullAndTriggerSections::rule).toList(),
                new CollectorJson.Capture(CollectorConfigMap.intervalSeconds(triggers.capture().duration()),
                        triggers.capture().frequencyHz(), triggers.capture().maxConcurrent()));
    }

    private static CollectorJson.TriggerRule rule(TriggerRule rule) {
        return new CollectorJson.TriggerRule(rule.metric(), absolute(rule.absolute()), relative(rule.relative()),
                CollectorConfigMap.intervalSeconds(rule.cooldown()), rule.maxPerHour());
    }

    private static CollectorJson.Absolute absolute(AbsoluteThreshold absolute) {
        if (absolute == null) {
            return null;
        }
        return absolute.percentOfLimit() != null
                ? new CollectorJson.Absolute(absolute.percentOfLimit() / 100.0, true)
                : new CollectorJson.Absolute(number(absolute.above()), false);
    }

    private static CollectorJson.Relative relative(RelativeThreshold relative) {
        return relative == null ? null
                : new CollectorJson.Relative(number(relative.min()), relative.diffPercent(), number(relative.abs()));
    }

    /** A quantity the CRD admitted, as a number: 1500m is 1.5, 512Mi is 536870912, 10k is 10000. */
    private static double number(String quantity) {
        return Quantity.getAmountInBytes(new Quantity(quantity)).doubleValue();
    }
}
