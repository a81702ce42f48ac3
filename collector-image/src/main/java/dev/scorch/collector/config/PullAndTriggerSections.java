package dev.scorch.collector.config;

import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.trigger.TriggerRule;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a policy's {@code pull} and {@code triggers} sections of collector.json. Bounds are the
 * CRD's: a value outside them is a file no operator rendered, refused naming the field.
 */
final class PullAndTriggerSections {

    private PullAndTriggerSections() {}

    static PolicyConfig.Pull pull(ConfigNode node) throws ConfigException {
        Set<GoProfileType> types = EnumSet.noneOf(GoProfileType.class);
        for (String name : node.stringList("types")) {
            types.add(GoProfileType.named(name).orElseThrow(() -> node.child("types").error("unknown profile type \"" + name
                    + "\" (known: " + GoProfileType.allNames() + ")")));
        }
        if (types.isEmpty()) {
            throw node.child("types").error("required: at least one profile type");
        }
        Duration interval = Duration.ofSeconds(node.optionalLong("intervalSeconds", 15, 5, 300));
        Duration timeout = Duration.ofSeconds(node.optionalLong("timeoutSeconds", 10, 1, 60));
        if (timeout.compareTo(interval) >= 0) {
            throw node.child("timeoutSeconds").error("must be shorter than intervalSeconds (" + interval.toSeconds() + ")");
        }
        return new PolicyConfig.Pull(types, interval, timeout,
                node.optionalLong("maxProfileBytes", 32L << 20, 64L << 10, 256L << 20),
                (int) node.optionalLong("maxConcurrent", 4, 1, 16));
    }

    static PolicyConfig.Triggers triggers(ConfigNode node) throws ConfigException {
        List<TriggerRule> rules = node.objects("rules", PullAndTriggerSections::rule);
        if (rules.isEmpty()) {
            throw node.child("rules").error("required: at least one rule");
        }
        ConfigNode capture = node.object("capture");
        return new PolicyConfig.Triggers(Duration.ofSeconds(node.optionalLong("checkIntervalSeconds", 10, 1, 60)), rules,
                new PolicyConfig.Capture(Duration.ofSeconds(capture.optionalLong("durationSeconds", 10, 1, 60)),
                        (int) capture.optionalLong("frequencyHz", 199, 1, 999),
                        (int) capture.optionalLong("maxConcurrent", 1, 1, 4)));
    }

    private static TriggerRule rule(ConfigNode node) throws ConfigException {
        String metricName = node.requiredString("metric");
        TriggerRule.Metric metric;
        try {
            metric = TriggerRule.Metric.valueOf(metricName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw node.child("metric").error("must be cpu, memory or goroutines, was \"" + metricName + "\"");
        }
        if (node.has("absolute") == node.has("relative")) {
            throw node.error("must have exactly one of absolute or relative");
        }
        TriggerRule.Threshold threshold;
        try {
            threshold = node.has("absolute") ? absolute(node.requiredObject("absolute")) : relative(node.requiredObject("relative"));
        } catch (IllegalArgumentException e) {
            throw node.child(node.has("absolute") ? "absolute" : "relative").error(e.getMessage());
        }
        return new TriggerRule(metric, threshold, Duration.ofSeconds(node.optionalLong("cooldownSeconds", 300, 0, 86_400)),
                (int) node.optionalLong("maxPerHour", 6, 1, 60));
    }

    private static TriggerRule.Absolute absolute(ConfigNode node) throws ConfigException {
        return new TriggerRule.Absolute(node.requiredNumber("above", 0, Double.MAX_VALUE), node.optionalBoolean("ofLimit", false));
    }

    private static TriggerRule.Relative relative(ConfigNode node) throws ConfigException {
        return new TriggerRule.Relative(node.requiredNumber("min", 0, Double.MAX_VALUE), node.requiredNumber("diffPercent", 0, 1e6),
                node.requiredNumber("abs", 0, Double.MAX_VALUE));
    }
}
