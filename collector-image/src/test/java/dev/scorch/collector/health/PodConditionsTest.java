package dev.scorch.collector.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.export.BackendHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConditionPublisherTest {

    static final Instant T0 = Instant.parse("2026-11-21T22:00:00Z");
    static final Duration INTERVAL = Duration.ofSeconds(15);
    static final Duration STATUS_UPDATE = Duration.ofSeconds(120);

    final MovableClock clock = new MovableClock();
    final List<CollectingCondition> writes = new ArrayList<>();
    final ConditionPublisher publisher = new ConditionPublisher(writes::add, clock, STATUS_UPDATE);

    @Test
    void theFirstUpdateIsWrittenAsStarting() {
        publisher.update(state(0, 1, healthy(null)));

        assertThat(writes).singleElement().satisfies(c -> {
            assertThat(c.reason()).isEqualTo(CollectingReason.Starting);
            assertThat(c.status()).isFalse();
            assertThat(c.lastTransitionTime()).isEqualTo(T0);
            assertThat(c.message()).contains("node node-1");
        });
    }

    @Test
    void aReasonChangeIsWrittenAtOnce() {
        publisher.update(state(0, 1, healthy(null)));
        clock.advance(Duration.ofSeconds(15));

        publisher.update(state(1, 1, healthy(clock.instant())));

        assertThat(writes).hasSize(2);
        assertThat(writes.getLast().reason()).isEqualTo(CollectingReason.Collecting);
        assertThat(writes.getLast().status()).isTrue();
        assertThat(writes.getLast().lastTransitionTime()).isEqualTo(T0.plusSeconds(15));
        assertThat(writes.getLast().lastProbeTime()).isEqualTo(T0.plusSeconds(15));
    }

    @Test
    void anAdvancingExportTimeIsWrittenAtMostEveryStatusUpdateInterval() {
        publisher.update(state(1, 1, healthy(clock.instant())));
        for (int i = 0; i < 7; i++) {
            clock.advance(INTERVAL);
            publisher.update(state(2 + i, 1, healthy(clock.instant())));
        }
        assertThat(writes).hasSize(1);

        clock.advance(INTERVAL);
        publisher.update(state(10, 1, healthy(clock.instant())));

        assertThat(writes).hasSize(2);
        assertThat(writes.getLast().lastProbeTime()).isEqualTo(T0.plus(INTERVAL.multipliedBy(8)));
        assertThat(writes.getLast().lastTransitionTime()).isEqualTo(T0);
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() {
        Instant exported = clock.instant();
        publisher.update(state(1, 1, healthy(exported)));
        clock.advance(STATUS_UPDATE.multipliedBy(5));

        publisher.update(state(1, 1, healthy(exported)));

        assertThat(writes).hasSize(1);
    }

    @Test
    void aFailedWriteIsRetriedAtTheNextUpdate() {
        List<CollectingCondition> landed = new ArrayList<>();
        boolean[] apiDown = {true};
        ConditionPublisher flaky = new ConditionPublisher(c -> {
            if (apiDown[0]) {
                throw new Exception("connection refused");
            }
            landed.add(c);
        }, clock, STATUS_UPDATE);
        flaky.update(state(1, 1, healthy(clock.instant())));
        apiDown[0] = false;
        clock.advance(INTERVAL);

        flaky.update(state(2, 1, healthy(T0)));

        assertThat(landed).singleElement().extracting(CollectingCondition::reason).isEqualTo(CollectingReason.Collecting);
    }

    @Test
    void readinessFollowsTheEvaluatedConditionEvenBeforeItIsWritten() {
        publisher.update(state(1, 1, healthy(clock.instant())));
        assertThat(publisher.ready()).isTrue();

        clock.advance(INTERVAL.multipliedBy(2));
        publisher.update(state(3, 1, failing(T0, "parca: connection refused")));

        assertThat(publisher.ready()).isFalse();
        assertThat(writes.getLast().reason()).isEqualTo(CollectingReason.BackendUnreachable);
        assertThat(writes.getLast().message()).isEqualTo("node node-1: backend parca has failed since " + T0 + ": parca: connection refused");
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

    static final class MovableClock extends Clock {
        private Instant now = T0;

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
