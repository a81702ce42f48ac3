package dev.scorch.collector.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeConditionEvaluatorTest {

    static CollectingCondition condition(CollectingReason reason) {
        return new CollectingCondition(reason, "x", null, Instant.EPOCH);
    }

    @Test
    void oneTeamsUnreachableBackendLeavesTheSharedCollectorReady() {
        Map<String, CollectingCondition> policies = new LinkedHashMap<>();
        policies.put("checkout", condition(CollectingReason.Collecting));
        policies.put("payments", condition(CollectingReason.BackendUnreachable));

        ConditionEvaluator.Verdict verdict = NodeConditionEvaluator.evaluate("n1", Optional.empty(), Optional.empty(), policies);

        assertThat(verdict.reason()).isEqualTo(CollectingReason.Collecting);
        assertThat(verdict.message()).isEqualTo("node n1: serving 2 policies: checkout Collecting, payments BackendUnreachable");
    }

    @Test
    void theNodeIsStartingUntilSomePolicyHasExported() {
        assertThat(NodeConditionEvaluator.evaluate("n1", Optional.empty(), Optional.empty(),
                Map.of("checkout", condition(CollectingReason.Starting))).reason()).isEqualTo(CollectingReason.Starting);
    }

    @Test
    void noPolicyForThisNodeIsNoTargets() {
        ConditionEvaluator.Verdict verdict = NodeConditionEvaluator.evaluate("n1", Optional.empty(), Optional.empty(), Map.of());

        assertThat(verdict.reason()).isEqualTo(CollectingReason.NoTargets);
        assertThat(verdict.reason().status()).isTrue();
    }

    @Test
    void aRefusedConfigChangeIsConfigInvalidWhileTheLastValidOneIsServed() {
        ConditionEvaluator.Verdict verdict = NodeConditionEvaluator.evaluate("n1", Optional.empty(),
                Optional.of("collector.json: not valid JSON"), Map.of("checkout", condition(CollectingReason.Collecting)));

        assertThat(verdict.reason()).isEqualTo(CollectingReason.ConfigInvalid);
        assertThat(verdict.message()).isEqualTo("node n1: collector.json: not valid JSON; still serving the last valid configuration");
    }

    @Test
    void aNodeThatCannotSampleSaysWhy() {
        ConditionEvaluator.Verdict verdict = NodeConditionEvaluator.evaluate("n1",
                Optional.of(new CollectorState.Failure(CollectingReason.PerfUnavailable, "perf_event_paranoid is 4")), Optional.empty(), Map.of());

        assertThat(verdict.reason()).isEqualTo(CollectingReason.PerfUnavailable);
        assertThat(verdict.message()).isEqualTo("node n1: perf_event_paranoid is 4");
    }
}
