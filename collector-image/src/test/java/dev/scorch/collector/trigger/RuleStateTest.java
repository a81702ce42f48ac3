package dev.scorch.collector.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.trigger.TriggerRule.Absolute;
import dev.scorch.collector.trigger.TriggerRule.Metric;
import dev.scorch.collector.trigger.TriggerRule.Relative;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RuleStateTest {

    private static final Instant T0 = Instant.parse("2026-12-06T06:00:00Z");

    private static RuleState relative(double min, double diff, double abs) {
        return new RuleState(new TriggerRule(Metric.CPU, new Relative(min, diff, abs), Duration.ofMinutes(1), 10));
    }

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void aSteadyValueNeverFires() {
        RuleState rule = relative(0.5, 50, 3);

        for (int i = 0; i < 100; i++) {
            assertThat(rule.check(1.0, 0, at(i * 5L)).fire()).isFalse();
        }
    }

    @Test
    void aJumpAboveMinAndMoreThanDiffAboveTheAverageFires() {
        RuleState rule = relative(0.5, 50, 3);
        for (int i = 0; i < 5; i++) {
            rule.check(0.8, 0, at(i));
        }

        RuleState.Decision decision = rule.check(1.3, 0, at(5));

        assertThat(decision.fire()).isTrue();
        assertThat(decision.why()).isEqualTo("1.30 cores > 50% above the recent average 0.80");
    }

    @Test
    void aJumpBelowMinDoesNotFireHoweverLargeRelatively() {
        RuleState rule = relative(0.5, 50, 3);
        for (int i = 0; i < 5; i++) {
            rule.check(0.01, 0, at(i));
        }

        assertThat(rule.check(0.4, 0, at(5)).fire()).isFalse();
    }

    @Test
    void aJumpOfLessThanDiffDoesNotFire() {
        RuleState rule = relative(0.5, 50, 3);
        for (int i = 0; i < 5; i++) {
            rule.check(1.0, 0, at(i));
        }

        assertThat(rule.check(1.4, 0, at(5)).fire()).isFalse();
    }

    @Test
    void reachingAbsFiresWithoutAnyHistory() {
        RuleState rule = relative(0.5, 50, 3);

        RuleState.Decision decision = rule.check(3.2, 0, at(0));

        assertThat(decision.fire()).isTrue();
        assertThat(decision.why()).contains(">= abs 3");
    }

    @Test
    void theRelativePartWaitsForAFewChecksOfHistory() {
        RuleState rule = relative(0.5, 50, 3);
        rule.check(0.6, 0, at(0));

        assertThat(rule.check(2.0, 0, at(1)).fire()).as("one value is no average").isFalse();
    }

    @Test
    void theCooldownHoldsFurtherCapturesBack() {
        RuleState rule = relative(0.5, 50, 3);

        assertThat(rule.check(5, 0, at(0)).fire()).isTrue();
        RuleState.Decision during = rule.check(5, 0, at(59));
        assertThat(during.fire()).isFalse();
        assertThat(during.why()).contains("in cooldown until 2026-12-06T06:01:00Z");
        assertThat(rule.check(5, 0, at(60)).fire()).isTrue();
    }

    @Test
    void theHourlyCapHoldsCapturesBackUntilTheOldestIsAnHourOld() {
        RuleState rule = new RuleState(new TriggerRule(Metric.GOROUTINES, new Absolute(1000, false), Duration.ZERO, 3));

        assertThat(rule.check(2000, 0, at(0)).fire()).isTrue();
        assertThat(rule.check(2000, 0, at(10)).fire()).isTrue();
        assertThat(rule.check(2000, 0, at(20)).fire()).isTrue();
        RuleState.Decision capped = rule.check(2000, 0, at(30));
        assertThat(capped.fire()).isFalse();
        assertThat(capped.why()).contains("3 captures in the last hour already");
        assertThat(rule.check(2000, 0, at(3600)).fire()).isTrue();
    }

    @Test
    void crossingsHeldByTheCooldownOrTheHourlyCapAreCountedAndOthersAreNot() {
        RuleState rule = new RuleState(new TriggerRule(Metric.GOROUTINES, new Absolute(1000, false), Duration.ofSeconds(30), 1));

        rule.check(2000, 0, at(0));
        rule.check(2000, 0, at(10));
        rule.check(10, 0, at(20));
        rule.check(2000, 0, at(40));

        assertThat(rule.held()).as("one check in the cooldown, one over the cap of 1 an hour; the check below the threshold is no crossing")
                .isEqualTo(2);
    }

    @Test
    void aFractionOfTheLimitFiresOnlyForContainersWithALimit() {
        RuleState rule = new RuleState(new TriggerRule(Metric.MEMORY, new Absolute(0.8, true), Duration.ZERO, 10));

        assertThat(rule.check(900, 0, at(0)).fire()).as("no limit").isFalse();
        assertThat(rule.check(700, 1000, at(1)).fire()).isFalse();
        RuleState.Decision decision = rule.check(850, 1000, at(2));
        assertThat(decision.fire()).isTrue();
        assertThat(decision.why()).isEqualTo("850 bytes >= 80% of the limit 1000");
    }

    @Test
    void thresholdsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new Absolute(1.5, true)).hasMessageContaining("at most 1");
        assertThatThrownBy(() -> new Relative(2, 50, 1)).hasMessageContaining("abs >= min");
        assertThatThrownBy(() -> new TriggerRule(Metric.CPU, new Absolute(1, false), Duration.ZERO, 0))
                .hasMessageContaining("at least 1 capture per hour");
    }
}
