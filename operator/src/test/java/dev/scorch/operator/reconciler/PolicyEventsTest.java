package dev.scorch.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.PolicyCondition;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Events a change of a policy's conditions records, and of which type. */
class PolicyEventsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T06:00:00Z");

    private static ProfilingPolicyStatus status(String ready, String readyReason, String degraded, String degradedReason) {
        return new ProfilingPolicyStatus(1L, List.of(
                new PolicyCondition("Ready", ready, readyReason, readyReason + " message", "2026-12-06T05:00:00Z", 1L),
                new PolicyCondition("Degraded", degraded, degradedReason, degradedReason + " message",
                        "2026-12-06T05:00:00Z", 1L)), null, null, null, null);
    }

    @Test
    void suspendingAPolicyRecordsANormalEventNotAWarning() {
        ProfilingPolicy policy = Policies.example("minimal-parca.yaml");

        List<Event> events = PolicyEvents.transitions(policy, status("True", "Collecting", "False", "AsExpected"),
                status("False", "Suspended", "False", "Suspended"), NOW);

        assertThat(events).extracting(Event::getType, Event::getReason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Normal", "Suspended"),
                org.assertj.core.groups.Tuple.tuple("Normal", "Suspended"));
    }

    @Test
    void anInvalidSpecRecordsWarningsWithTheServersMessage() {
        ProfilingPolicy policy = Policies.example("minimal-parca.yaml");

        List<Event> events = PolicyEvents.transitions(policy, null,
                status("False", "InvalidSpec", "True", "InvalidSpec"), NOW);

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("InvalidSpec");
            assertThat(e.getMessage()).isEqualTo("Degraded=True: InvalidSpec message");
        });
    }

    @Test
    void aNewGenerationThatStillSetsSpecCollectorRecordsOneWarningNamingWhereTheSettingsLiveNow() {
        ProfilingPolicy legacy = Policies.parse("legacy", """
                collector: {securityMode: privileged}
                export: {backends: [{name: parca, parca: {address: 'parca:7070'}}]}
                """);

        assertThat(PolicyEvents.ignoredFields(legacy, NOW)).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("IgnoredField");
            assertThat(e.getMessage()).contains("spec.collector is ignored", "Helm values collector.*");
        });
        legacy.setStatus(status("True", "Collecting", "False", "AsExpected"));
        assertThat(PolicyEvents.ignoredFields(legacy, NOW)).as("the same generation, already observed").isEmpty();
        assertThat(PolicyEvents.ignoredFields(Policies.example("minimal-parca.yaml"), NOW)).isEmpty();
    }

    @Test
    void moreTriggeredCapturesRecordOneNormalCapturedEventWithTheNewCount() {
        ProfilingPolicy policy = Policies.example("go-services-pull-and-triggers.yaml");
        ProfilingPolicyStatus before = status("True", "Collecting", "False", "AsExpected").withTriggeredCaptures(2);

        assertThat(PolicyEvents.captures(policy, before, before.withTriggeredCaptures(5), NOW)).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getReason()).isEqualTo("Captured");
            assertThat(e.getMessage()).startsWith("3 triggered captures (5 reported by the collectors)");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("payments-go");
        });
    }

    @Test
    void anUnchangedOrDroppedCaptureCountRecordsNothing() {
        ProfilingPolicy policy = Policies.example("go-services-pull-and-triggers.yaml");
        ProfilingPolicyStatus before = status("True", "Collecting", "False", "AsExpected").withTriggeredCaptures(4);

        assertThat(PolicyEvents.captures(policy, before, before, NOW)).isEmpty();
        assertThat(PolicyEvents.captures(policy, before, before.withTriggeredCaptures(1), NOW)).as("a collector restarted").isEmpty();
    }
}
