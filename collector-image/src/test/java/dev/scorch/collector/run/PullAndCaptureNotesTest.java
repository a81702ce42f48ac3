package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PullAndCaptureNotesTest {

    @Test
    void nothingToSayAddsNothing() {
        assertThat(PullAndCaptureNotes.of(List.of(), 0, null)).isEmpty();
    }

    @Test
    void aPodThatCannotBeFetchedIsNamedWithReasonAndMessage() {
        assertThat(PullAndCaptureNotes.of(List.of(new PolicyPulls.PodProblem("shop/api-0", "unreachable",
                "http://10.0.0.7:6060/debug/pprof/heap: connection refused")), 0, null))
                .isEqualTo("; cannot pull Go profiles of 1 pod: shop/api-0 (unreachable): http://10.0.0.7:6060/debug/pprof/heap:"
                        + " connection refused");
    }

    @Test
    void theFirstThreePodsByNameAreNamedAndTheRestCounted() {
        List<PolicyPulls.PodProblem> problems = List.of(
                new PolicyPulls.PodProblem("shop/e", "timeout", "slow"), new PolicyPulls.PodProblem("shop/a", "timeout", "slow"),
                new PolicyPulls.PodProblem("shop/d", "too-large", "big"), new PolicyPulls.PodProblem("shop/b", "not-pprof", "html"),
                new PolicyPulls.PodProblem("shop/c", "timeout", "slow"));

        assertThat(PullAndCaptureNotes.of(problems, 0, null)).isEqualTo("; cannot pull Go profiles of 5 pods: shop/a (timeout): slow;"
                + " shop/b (not-pprof): html; shop/c (timeout): slow; and 2 more");
    }

    @Test
    void capturesAreCountedWithTheLastOne() {
        assertThat(PullAndCaptureNotes.of(List.of(), 3, new PolicyTriggers.LastCapture("shop/api-0", "api", "cpu", "1.95 cores",
                Instant.parse("2026-12-06T10:00:00Z"), 42)))
                .isEqualTo("; triggered captures: 3, last shop/api-0/api on cpu 1.95 cores at 2026-12-06T10:00:00Z");
    }
}
