package dev.scorch.collector.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.trigger.TriggerRule.Absolute;
import dev.scorch.collector.trigger.TriggerRule.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ContainerTriggersTest {

    private static final Instant T0 = Instant.parse("2026-12-06T06:00:00Z");

    @Test
    void cpuUseIsTheGrowthOfCpuTimeOverWallTimeBetweenChecks() {
        ContainerTriggers triggers = new ContainerTriggers(List.of(
                new TriggerRule(Metric.CPU, new Absolute(1.5, false), Duration.ZERO, 10)));

        assertThat(triggers.check(new CgroupStats(0, -1, 0, 0), OptionalLong.empty(), T0)).as("first check: no rate yet").isEmpty();
        assertThat(triggers.check(new CgroupStats(10_000_000_000L, -1, 0, 0), OptionalLong.empty(), T0.plusSeconds(10)))
                .as("1 core").isEmpty();
        List<ContainerTriggers.Firing> fired = triggers.check(new CgroupStats(30_000_000_000L, -1, 0, 0), OptionalLong.empty(),
                T0.plusSeconds(20));

        assertThat(fired).singleElement().satisfies(f -> assertThat(f.value()).isEqualTo(2.0));
    }

    @Test
    void aCpuCounterThatWentDownGivesNoRateForThatCheck() {
        ContainerTriggers triggers = new ContainerTriggers(List.of(
                new TriggerRule(Metric.CPU, new Absolute(0.0001, false), Duration.ZERO, 10)));
        triggers.check(new CgroupStats(50_000_000_000L, -1, 0, 0), OptionalLong.empty(), T0);

        assertThat(triggers.check(new CgroupStats(1_000, -1, 0, 0), OptionalLong.empty(), T0.plusSeconds(10))).isEmpty();
    }

    @Test
    void memoryAndGoroutineRulesFireOnTheirOwnValues() {
        ContainerTriggers triggers = new ContainerTriggers(List.of(
                new TriggerRule(Metric.MEMORY, new Absolute(0.9, true), Duration.ZERO, 10),
                new TriggerRule(Metric.GOROUTINES, new Absolute(500, false), Duration.ZERO, 10)));

        List<ContainerTriggers.Firing> fired = triggers.check(new CgroupStats(0, 950, 1000, 0), OptionalLong.of(800), T0);

        assertThat(fired).extracting(f -> f.rule().metric()).containsExactly(Metric.MEMORY, Metric.GOROUTINES);
    }

    @Test
    void unknownValuesNeverFire() {
        ContainerTriggers triggers = new ContainerTriggers(List.of(
                new TriggerRule(Metric.MEMORY, new Absolute(1, false), Duration.ZERO, 10),
                new TriggerRule(Metric.GOROUTINES, new Absolute(1, false), Duration.ZERO, 10)));

        assertThat(triggers.check(new CgroupStats(0, -1, 0, 0), OptionalLong.empty(), T0)).isEmpty();
    }
}
