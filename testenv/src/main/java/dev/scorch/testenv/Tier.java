package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Assumptions;

/**
 * The test tiers (docs/architecture.md, "Test tiers") and the guard every tier test calls before
 * it needs something the machine may lack (root, perf_event_open, built binaries, a container
 * runtime).
 *
 * <p>A tier that cannot run prints why and is skipped. With {@code SCORCH_REQUIRE_ALL_TIERS=true}
 * (set by {@code .ci/run}) a missing prerequisite fails the test instead, because CI on the
 * project's machines must run every tier, 6 included (hack/node-provision.sh provides it). A tier test
 * calls {@link #require} even when it needs nothing optional, so the run is recorded.
 */
public enum Tier {
    UNIT(1, "unit"),
    REAL_KERNEL(2, "real kernel"),
    REAL_API_SERVER(3, "real API server"),
    CLUSTER_SIMULATION(4, "cluster simulation"),
    END_TO_END(5, "end to end"),
    REAL_NODE(6, "real node (kubelet, containerd, runc)");

    private final int number;
    private final String title;

    Tier(int number, String title) {
        this.number = number;
        this.title = title;
    }

    /**
     * Skips (or, where CI requires every tier, fails) the calling test when {@code met} is false.
     *
     * @param met whether the prerequisite holds
     * @param whyNot what is missing and how to provide it, e.g. "kube-apiserver not found under
     *     ~/.cache/scorch/test-binaries: run hack/test-binaries.sh"
     */
    public void require(boolean met, String whyNot) {
        if (met) {
            recordRun();
            return;
        }
        String message = "tier " + number + " (" + title + ") cannot run: " + whyNot;
        if (requireAllTiers()) {
            throw new AssertionError(message + " [SCORCH_REQUIRE_ALL_TIERS=true]");
        }
        System.out.println("SKIPPED " + message);
        Assumptions.abort(message);
    }

    /**
     * Appends this tier's number to {@code SCORCH_TIER_LOG} when set, so CI can prove each tier it
     * must run ran at least one test (a tier with no tests is as silent as a skipped one).
     */
    private void recordRun() {
        String log = System.getenv("SCORCH_TIER_LOG");
        if (log == null || log.isBlank()) {
            return;
        }
        try {
            Files.writeString(
                    Path.of(log),
                    number + " " + title + System.lineSeparator(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to SCORCH_TIER_LOG " + log, e);
        }
    }

    private static boolean requireAllTiers() {
        return Boolean.parseBoolean(System.getenv("SCORCH_REQUIRE_ALL_TIERS"));
    }
}
