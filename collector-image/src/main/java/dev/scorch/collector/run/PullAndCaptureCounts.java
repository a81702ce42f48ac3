package dev.scorch.collector.run;

import java.util.Map;

/**
 * The counters of one policy's Go profile pulls and triggered captures on this node, as the
 * metrics endpoint reads them: zero for a policy without pulls or triggers.
 */
final class PullAndCaptureCounts {

    private final PolicyPulls pulls;
    private final PolicyTriggers triggers;

    /** @param pulls the policy's pulls, null without; @param triggers its triggers, null without */
    PullAndCaptureCounts(PolicyPulls pulls, PolicyTriggers triggers) {
        this.pulls = pulls;
        this.triggers = triggers;
    }

    Map<String, Long> pullFailures() {
        return pulls == null ? Map.of() : pulls.failures();
    }

    Map<String, Long> pulledProfiles() {
        return pulls == null ? Map.of() : pulls.pulled();
    }

    long pulledBytes() {
        return pulls == null ? 0 : pulls.bytesReceived();
    }

    Map<String, Long> capturesByTrigger() {
        return triggers == null ? Map.of() : triggers.captures().capturedByTrigger();
    }

    long triggerChecks() {
        return triggers == null ? 0 : triggers.checks();
    }

    long capturesSkipped() {
        return triggers == null ? 0 : triggers.captures().skipped();
    }

    long firingsHeld() {
        return triggers == null ? 0 : triggers.held();
    }

    long captureGoProfilesMissed() {
        return triggers == null ? 0 : triggers.captures().goProfilesMissed();
    }

    long capturesFailed() {
        return triggers == null ? 0 : triggers.captures().failed();
    }
}
