package dev.scorch.collector.export.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    @Test
    void doublesPerFailureWithinHalfToAllOfTheStep() {
        var random = new SplittableRandom(7);
        for (int failures = 1; failures <= 5; failures++) {
            Duration step = Duration.ofSeconds(1L << (failures - 1));
            for (int i = 0; i < 200; i++) {
                assertThat(backoff.delay(failures, random)).isBetween(step.dividedBy(2), step);
            }
        }
    }

    @Test
    void neverExceedsTheCapEvenAfterVeryManyFailures() {
        var random = new SplittableRandom(7);
        for (int failures : new int[] {6, 30, 64, Integer.MAX_VALUE}) {
            assertThat(backoff.delay(failures, random)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
        }
    }
}
