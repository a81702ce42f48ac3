package dev.scorch.collector.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.BackendHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConditionEvaluatorTest {

    static final Instant NOW = Instant.parse("2026-11-21T22:00:00Z");
    static final Duration INTERVAL = Duration.ofSeconds(15);

    @Test
    void aStartUpFailureWinsAndNamesTheNode() {
        var state = state(Optional.of(new CollectorState.Failure(CollectingReason.PerfUnavailable, "perf_event_open failed with EACCES")),
                5, 3, List.of(healthy()));

        assertThat(ConditionEvaluator.evaluate(state, NOW)).isEqualTo(new ConditionEvaluator.Verdict(
                CollectingReason.PerfUnavailable, "node node-1: perf_event_open failed with EACCES"));
    }

    @Test
    void aBackendFailingForLessThanTwoIntervalsIsNotYetUnreachable() {
        var state = state(Optional.empty(), 5, 1, List.of(failingSince(NOW.minus(INTERVAL.multipliedBy(2)).plusSeconds(1))));

        assertThat(ConditionEvaluator.evaluate(state, NOW).reason()).isEqualTo(CollectingReason.Collecting);
    }

    @Test
    void aBackendFailingForTwoIntervalsIsUnreachableWithItsNameAndError() {
        var state = state(Optional.empty(), 5, 1, List.of(healthy(), failingSince(NOW.minus(INTERVAL.multipliedBy(2)))));

        var verdict = ConditionEvaluator.evaluate(state, NOW);

        assertThat(verdict.reason()).isEqualTo(CollectingReason.BackendUnreachable);
        assertThat(verdict.reason().status()).isFalse();
        assertThat(verdict.message()).isEqualTo("node node-1: backend parca has failed since 2026-11-21T21:59:30Z: connection refused");
    }

    @Test
    void beforeTheFirstIntervalTheCollectorIsStarting() {
        assertThat(ConditionEvaluator.evaluate(state(Optional.empty(), 0, 1, List.of(healthy())), NOW).reason())
                .isEqualTo(CollectingReason.Starting);
    }

    @Test
    void nothingSelectedIsNoTargetsAndStillTrue() {
        var verdict = ConditionEvaluator.evaluate(state(Optional.empty(), 3, 0, List.of(healthy())), NOW);

        assertThat(verdict.reason()).isEqualTo(CollectingReason.NoTargets);
        assertThat(verdict.reason().status()).isTrue();
        assertThat(verdict.message()).isEqualTo("node node-1: sampling works, but policy checkout-cpu selects nothing on this node");
    }

    @Test
    void healthyIsCollectingAndNamesTheBackends() {
        var verdict = ConditionEvaluator.evaluate(state(Optional.empty(), 3, 2, List.of(healthy())), NOW);

        assertThat(verdict).isEqualTo(new ConditionEvaluator.Verdict(CollectingReason.Collecting,
                "node node-1: profiling 2 targets, exporting to grafana"));
    }

    @Test
    void theNextChangeIsWhenAFailingBackendCrossesTheUnreachableLimit() {
        Instant since = NOW.minusSeconds(10);
        var state = state(Optional.empty(), 5, 1, List.of(healthy(), failingSince(since)));

        assertThat(ConditionEvaluator.nextChange(state, NOW)).contains(since.plus(INTERVAL.multipliedBy(2)));
    }

    @Test
    void healthyBackendsAndOnesAlreadyUnreachableScheduleNoChange() {
        var state = state(Optional.empty(), 5, 1, List.of(healthy(), failingSince(NOW.minus(INTERVAL.multipliedBy(3)))));

        assertThat(ConditionEvaluator.nextChange(state, NOW)).isEmpty();
    }

    @Test
    void aFailingPodWatchKeepsTheReasonAndSaysSinceWhenAndWhyInTheMessage() {
        var working = state(Optional.empty(), 5, 1, List.of(healthy()));
        var state = new CollectorState(working.node(), working.policy(), working.failure(), working.intervalsExported(),
                working.selectedTargets(), working.exportInterval(), working.backends(),
                Optional.of("since " + NOW.minusSeconds(60) + ": GET /api/v1/pods returned 403"));

        var verdict = ConditionEvaluator.evaluate(state, NOW);

        assertThat(verdict.reason()).isEqualTo(CollectingReason.Collecting);
        assertThat(verdict.message()).startsWith(ConditionEvaluator.evaluate(working, NOW).message())
                .contains("the pod watch is failing (since " + NOW.minusSeconds(60) + ": GET /api/v1/pods returned 403)");
    }

    static CollectorState state(Optional<CollectorState.Failure> failure, long intervals, int targets, List<BackendHealth> backends) {
        return new CollectorState("node-1", "checkout-cpu", failure, intervals, targets, INTERVAL, backends);
    }

    static BackendHealth healthy() {
        return new BackendHealth("grafana", NOW, null, null, 0, 10, 0, Map.of());
    }

    static BackendHealth failingSince(Instant since) {
        return new BackendHealth("parca", since.minusSeconds(60), since, "connection refused", 1024, 4, 2, Map.of());
    }
}
