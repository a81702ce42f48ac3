package dev.scorch.collector.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.BackendHealth;
import dev.scorch.testenv.MovableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodConditionsTest {

    static final Instant T0 = Instant.parse("2026-11-21T22:00:00Z");
    static final Duration INTERVAL = Duration.ofSeconds(15);
    static final Duration STATUS_UPDATE = Duration.ofSeconds(120);
    static final String NODE = CollectingCondition.TYPE;
    static final String CHECKOUT = CollectingCondition.policyType("checkout-cpu");
    static final String LEDGER = CollectingCondition.policyType("ledger-cpu");

    final MovableClock clock = new MovableClock(T0);
    final List<Write> writes = new ArrayList<>();
    final PodConditions pod = new PodConditions((conditions, removed) -> writes.add(new Write(conditions, removed)), clock, STATUS_UPDATE);
    final ConditionPublisher publisher = pod.publisher(CHECKOUT);

    record Write(Map<String, CollectingCondition> conditions, Set<String> removed) {

        CollectingCondition only() {
            assertThat(conditions).hasSize(1);
            return conditions.values().iterator().next();
        }
    }

    @Test
    void theFirstUpdateIsWrittenAsStarting() {
        update(publisher, state(0, 1, healthy(null)));

        assertThat(writes).singleElement().satisfies(w -> {
            CollectingCondition c = w.conditions().get(CHECKOUT);
            assertThat(c.reason()).isEqualTo(CollectingReason.Starting);
            assertThat(c.status()).isFalse();
            assertThat(c.lastTransitionTime()).isEqualTo(T0);
            assertThat(c.message()).contains("node node-1");
        });
    }

    @Test
    void aReasonChangeIsWrittenAtOnce() {
        update(publisher, state(0, 1, healthy(null)));
        clock.advance(Duration.ofSeconds(15));

        update(publisher, state(1, 1, healthy(clock.instant())));

        assertThat(writes).hasSize(2);
        CollectingCondition last = writes.getLast().only();
        assertThat(last.reason()).isEqualTo(CollectingReason.Collecting);
        assertThat(last.status()).isTrue();
        assertThat(last.lastTransitionTime()).isEqualTo(T0.plusSeconds(15));
        assertThat(last.lastProbeTime()).isEqualTo(T0.plusSeconds(15));
    }

    @Test
    void anAdvancingExportTimeIsWrittenAtMostEveryStatusUpdateInterval() {
        update(publisher, state(1, 1, healthy(clock.instant())));
        for (int i = 0; i < 7; i++) {
            clock.advance(INTERVAL);
            update(publisher, state(2 + i, 1, healthy(clock.instant())));
        }
        assertThat(writes).hasSize(1);

        clock.advance(INTERVAL);
        update(publisher, state(10, 1, healthy(clock.instant())));

        assertThat(writes).hasSize(2);
        assertThat(writes.getLast().only().lastProbeTime()).isEqualTo(T0.plus(INTERVAL.multipliedBy(8)));
        assertThat(writes.getLast().only().lastTransitionTime()).isEqualTo(T0);
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() {
        Instant exported = clock.instant();
        update(publisher, state(1, 1, healthy(exported)));
        clock.advance(STATUS_UPDATE.multipliedBy(5));

        update(publisher, state(1, 1, healthy(exported)));

        assertThat(writes).hasSize(1);
    }

    @Test
    void aFailedWriteIsRetriedAtTheNextUpdate() {
        List<Write> landed = new ArrayList<>();
        boolean[] apiDown = {true};
        PodConditions flaky = new PodConditions((conditions, removed) -> {
            if (apiDown[0]) {
                throw new Exception("connection refused");
            }
            landed.add(new Write(conditions, removed));
        }, clock, STATUS_UPDATE);
        ConditionPublisher checkout = flaky.publisher(CHECKOUT);
        checkout.update(verdict(state(1, 1, healthy(clock.instant()))), clock.instant());
        flaky.remove(LEDGER);
        flaky.flush();
        apiDown[0] = false;
        clock.advance(INTERVAL);

        checkout.update(verdict(state(2, 1, healthy(T0))), T0);
        flaky.flush();

        assertThat(landed).singleElement().satisfies(w -> {
            assertThat(w.only().reason()).isEqualTo(CollectingReason.Collecting);
            assertThat(w.removed()).containsExactly(LEDGER);
        });
    }

    @Test
    void readinessFollowsTheEvaluatedConditionEvenBeforeItIsWritten() {
        update(publisher, state(1, 1, healthy(clock.instant())));
        assertThat(publisher.ready()).isTrue();

        clock.advance(INTERVAL.multipliedBy(2));
        update(publisher, state(3, 1, failing(T0, "parca: connection refused")));

        assertThat(publisher.ready()).isFalse();
        assertThat(writes.getLast().only().reason()).isEqualTo(CollectingReason.BackendUnreachable);
        assertThat(writes.getLast().only().message())
                .isEqualTo("node node-1: backend parca has failed since " + T0 + ": parca: connection refused");
    }

    @Test
    void everyPolicysFirstConditionGoesInOneWrite() {
        List<ConditionPublisher> policies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            policies.add(pod.publisher(CollectingCondition.policyType("policy-" + i)));
        }

        policies.forEach(p -> p.update(verdict(state(0, 1, healthy(null))), null));
        pod.flush();

        assertThat(writes).singleElement().satisfies(w -> assertThat(w.conditions()).hasSize(20)
                .allSatisfy((type, c) -> assertThat(c.reason()).isEqualTo(CollectingReason.Starting)));
    }

    @Test
    void aChangedConditionNotYetDueGoesAlongWithADueOne() {
        ConditionPublisher ledger = twoPoliciesWrittenAnIntervalAgo();

        ledger.update(verdict(state(2, 1, healthy(clock.instant()))), clock.instant());
        publisher.update(new ConditionEvaluator.Verdict(CollectingReason.BackendUnreachable, "node node-1: backend parca has failed"), T0);
        pod.flush();

        assertThat(writes).hasSize(2);
        assertThat(writes.getLast().conditions()).containsOnlyKeys(CHECKOUT, LEDGER);
        assertThat(writes.getLast().conditions().get(LEDGER).lastProbeTime()).isEqualTo(T0.plus(INTERVAL));
        assertThat(writes.getLast().conditions().get(CHECKOUT).reason()).isEqualTo(CollectingReason.BackendUnreachable);
    }

    @Test
    void aChangeNotDueIsNotWrittenOnItsOwn() {
        ConditionPublisher ledger = twoPoliciesWrittenAnIntervalAgo();

        ledger.update(verdict(state(2, 1, healthy(clock.instant()))), clock.instant());
        pod.flush();

        assertThat(writes).hasSize(1);
    }

    @Test
    void aRemovalIsWrittenAtTheNextFlushWithWhatChanged() {
        ConditionPublisher node = pod.publisher(NODE);
        publisher.update(verdict(state(1, 1, healthy(T0))), T0);
        node.update(new ConditionEvaluator.Verdict(CollectingReason.Collecting, "node node-1: serving 1 policies"), T0);
        pod.flush();
        clock.advance(INTERVAL);

        pod.remove(CHECKOUT);
        node.update(new ConditionEvaluator.Verdict(CollectingReason.NoTargets, "node node-1: no policy applies"), T0);
        pod.flush();

        assertThat(writes).hasSize(2);
        assertThat(writes.getLast().removed()).containsExactly(CHECKOUT);
        assertThat(writes.getLast().conditions()).containsOnlyKeys(NODE);
    }

    @Test
    void aTypeServedAgainBeforeTheFlushIsWrittenNotRemoved() {
        update(publisher, state(1, 1, healthy(T0)));
        pod.remove(CHECKOUT);

        ConditionPublisher restarted = pod.publisher(CHECKOUT);
        update(restarted, state(0, 1, healthy(null)));

        assertThat(writes.getLast().removed()).isEmpty();
        assertThat(writes.getLast().only().reason()).isEqualTo(CollectingReason.Starting);
    }

    /** Checkout's and ledger's conditions, both Collecting, written together one interval ago; returns ledger's publisher. */
    ConditionPublisher twoPoliciesWrittenAnIntervalAgo() {
        ConditionPublisher ledger = pod.publisher(LEDGER);
        publisher.update(verdict(state(1, 1, healthy(T0))), T0);
        ledger.update(verdict(state(1, 1, healthy(T0))), T0);
        pod.flush();
        clock.advance(INTERVAL);
        return ledger;
    }

    /** One pass of the collector's loop for one policy: evaluate, then flush the pod. */
    void update(ConditionPublisher policy, CollectorState state) {
        policy.update(verdict(state), state.lastExport().orElse(null));
        pod.flush();
    }

    ConditionEvaluator.Verdict verdict(CollectorState state) {
        return ConditionEvaluator.evaluate(state, clock.instant());
    }

    static CollectorState state(long intervals, int targets, BackendHealth backend) {
        return new CollectorState("node-1", "checkout-cpu", Optional.empty(), intervals, targets, INTERVAL, List.of(backend));
    }

    static BackendHealth healthy(Instant lastSuccess) {
        return new BackendHealth("parca", lastSuccess, null, null, 0, 1, 0, Map.of());
    }

    static BackendHealth failing(Instant since, String error) {
        return new BackendHealth("parca", since, since, error, 4096, 1, 3, Map.of());
    }
}
