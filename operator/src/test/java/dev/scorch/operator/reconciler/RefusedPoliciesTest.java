package dev.scorch.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.status.Observation;
import dev.scorch.testenv.MovableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefusedPoliciesTest {

    private static final Observation.Invalid REFUSED = new Observation.Invalid("InvalidSpec", "the API server refused the collector's DaemonSet");
    private static final String SPEC = "export: {backends: [{name: files, parca: {address: 'parca:7070'}}]}\n";

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final RefusedPolicies refused = new RefusedPolicies(Duration.ofMinutes(1), clock);
    private final ProfilingPolicy policy = Policies.parse("guarded", SPEC);

    @Test
    void aRefusalStandsUntilItsRetryIsDueThenThePolicyIsTriedAgain() {
        refused.refuse(policy, REFUSED);

        assertThat(refused.standing(policy)).contains(REFUSED);
        assertThat(refused.retryIn(policy)).contains(Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        assertThat(refused.standing(policy)).isEmpty();
        assertThat(refused.retryIn(policy)).isEmpty();
    }

    @Test
    void theWaitDoublesWithEachRefusalInARowUpToFifteenMinutes() {
        for (long minutes : new long[] {1, 2, 4, 8, 15, 15}) {
            refused.refuse(policy, REFUSED);
            assertThat(refused.retryIn(policy)).contains(Duration.ofMinutes(minutes));
            clock.advance(Duration.ofMinutes(minutes));
        }
    }

    @Test
    void aNewGenerationIsTriedAtOnceAndStartsTheWaitAgain() {
        refused.refuse(policy, REFUSED);
        refused.refuse(policy, REFUSED);

        policy.getMetadata().setGeneration(2L);

        assertThat(refused.standing(policy)).isEmpty();
        refused.refuse(policy, REFUSED);
        assertThat(refused.retryIn(policy)).contains(Duration.ofMinutes(1));
    }

    @Test
    void anAcceptedPolicyStartsTheWaitAgainWhenRefusedLater() {
        refused.refuse(policy, REFUSED);
        refused.refuse(policy, REFUSED);

        refused.accepted(policy);

        assertThat(refused.standing(policy)).isEmpty();
        refused.refuse(policy, REFUSED);
        assertThat(refused.retryIn(policy)).contains(Duration.ofMinutes(1));
    }
}
