package dev.scorch.collector.flamegraph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flame-graph page of a pulled Go profile ({@code scorch pull --flamegraph}) in a real
 * headless Chromium: the allocations of one interval of a real Go program, drawn in bytes, with
 * the allocating function as a frame of its own.
 */
class GoProfilePageInChromiumTest {

    @TempDir
    Path dir;

    @Test
    void anAllocationsPageShowsTheIntervalsBytesAndTheAllocatingFunction() throws Exception {
        var executable = ExternalTools.onPath("chromium");
        Tier.UNIT.require(executable.isPresent(), "the flame graph is tested in Chromium: run hack/install-chromium.sh");
        byte[] delta;
        IntervalPuller.Outcome outcome;
        try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL);
                ProfileFetcher fetcher = new ProfileFetcher(ProfileFetcher.Limits.DEFAULT, new PprofDecoder(PprofDecoder.defaultLimits()))) {
            IntervalPuller puller = new IntervalPuller(fetcher, PullEndpoints.at(program.base()));
            puller.pull(GoProfileType.ALLOCS);
            program.allocate(1024, 4096);
            outcome = puller.pull(GoProfileType.ALLOCS);
            delta = outcome.gzippedPprof();
        }
        String html = GoProfilePage.render(new PprofDecoder(PprofDecoder.defaultLimits()).decode(delta, "allocs"), GoProfileType.ALLOCS,
                Instant.ofEpochSecond(0, outcome.interval().startNanos()), Duration.ofNanos(outcome.interval().durationNanos()));
        Path page = Files.writeString(dir.resolve("allocs.html"), html);

        try (Chromium chromium = Chromium.start(executable.get(), dir.resolve("chromium-profile"))) {
            chromium.open(page.toUri().toString());
            assertThat(chromium.evaluate("document.title").asText()).isEqualTo("Go allocs flame graph");
            assertThat(chromium.evaluate("document.getElementById('summary').innerText").asText()).startsWith("alloc_space: ")
                    .containsPattern("alloc_space: [0-9.]+ MiB");
            assertThat(chromium.evaluate("flameGraph.box('main.scorchAllocate')").isObject())
                    .as("main.scorchAllocate drawn as a frame").isTrue();
        }
    }
}
