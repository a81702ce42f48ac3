package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IntervalGridTest {

    private static final IntervalGrid NODE = new IntervalGrid(4_321);
    private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void policiesWithTheSameIntervalEndTogetherWhenStartedApart() {
        Duration fifteen = Duration.ofSeconds(15);

        Instant first = NODE.next(T.plusMillis(3), fifteen);
        Instant second = NODE.next(T.plusMillis(4_000), fifteen);

        assertThat(second).isEqualTo(first);
        assertThat(NODE.next(first, fifteen)).isEqualTo(first.plus(fifteen));
    }

    @Test
    void theFirstIntervalEndsAtTheGridsFirstInstantAfterTheStart() {
        Instant start = T.plusMillis(1);

        Instant end = NODE.next(start, Duration.ofSeconds(10));

        assertThat(end).isAfter(start).isBeforeOrEqualTo(start.plusSeconds(10));
        assertThat(Math.floorMod(end.toEpochMilli() - 4_321, 10_000L)).isZero();
        assertThat(NODE.next(end, Duration.ofSeconds(10))).isEqualTo(end.plusSeconds(10));
    }

    @Test
    void everyEndOfALongerIntervalThatIsAMultipleIsAlsoAnEndOfTheShorter() {
        Instant thirty = NODE.next(T, Duration.ofSeconds(30));

        Instant fifteen = NODE.next(thirty.minusSeconds(15), Duration.ofSeconds(15));

        assertThat(fifteen).isEqualTo(thirty);
    }

    @Test
    void nodesEndTheirIntervalsAtDifferentInstants() {
        Duration fifteen = Duration.ofSeconds(15);

        assertThat(IntervalGrid.ofNode("node-a").next(T, fifteen)).isNotEqualTo(IntervalGrid.ofNode("node-b").next(T, fifteen));
    }
}
