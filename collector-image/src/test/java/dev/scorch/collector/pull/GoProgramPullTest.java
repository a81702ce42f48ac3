package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.scorch.collector.pull.IntervalPuller.CutProfile;
import dev.scorch.collector.pull.IntervalPuller.Outcome;
import dev.scorch.collector.pull.PprofRewriter.RewrittenSample;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.testenv.Tier;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pulling a real Go program's net/http/pprof endpoints (tier 2: real processes, real runtime). */
class GoProgramPullTest {

    private GoPprofProgram program;
    private ProfileFetcher fetcher;
    private IntervalPuller puller;

    @BeforeEach
    void start() throws Exception {
        program = GoPprofProgram.start(Tier.REAL_KERNEL);
        fetcher = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofSeconds(2), Duration.ofSeconds(10), 8 << 20, 2),
                new PprofDecoder(PprofDecoder.defaultLimits()));
        puller = new IntervalPuller(fetcher, PullEndpoints.at(program.base()));
    }

    @AfterEach
    void stop() throws Exception {
        fetcher.close();
        program.close();
    }

    /** The sum of one sample type over the samples whose stack passes through {@code function}. */
    private static long sumThrough(Outcome outcome, String function, String sampleType) throws PullFailure {
        return sumThrough(outcome.gzippedPprof(), function, sampleType);
    }

    private static long sumThrough(byte[] gzippedPprof, String function, String sampleType) throws PullFailure {
        PulledProfile written = new PprofDecoder(PprofDecoder.defaultLimits()).decode(gzippedPprof, "written");
        int index = written.sampleTypeIndex(sampleType);
        long sum = 0;
        for (PulledProfile.Sample sample : written.samples()) {
            boolean through = false;
            for (long id : sample.locationIds()) {
                for (PulledProfile.Line line : written.locations().get(id).lines()) {
                    through |= written.functions().get(line.functionId()).name().equals(function);
                }
            }
            if (through) {
                sum += sample.values()[index];
            }
        }
        return sum;
    }

    @Test
    void anAllocationDeltaMatchesWhatTheProgramAllocatedInTheInterval() throws Exception {
        Outcome baseline = puller.pull(GoProfileType.ALLOCS);
        program.allocate(1000, 1024);
        Outcome before = puller.pull(GoProfileType.ALLOCS);
        program.allocate(3000, 4096);
        Outcome interval = puller.pull(GoProfileType.ALLOCS);

        assertThat(baseline.interval().kind()).isEqualTo(IntervalDeltas.Kind.FIRST_BASELINE);
        assertThat(interval.interval().kind()).isEqualTo(IntervalDeltas.Kind.DELTA);
        assertThat(sumThrough(before, "main.scorchAllocate", "alloc_space")).isCloseTo(1000 * 1024L, within(1000 * 1024L / 10));
        assertThat(sumThrough(interval, "main.scorchAllocate", "alloc_space")).isCloseTo(3000 * 4096L, within(3000 * 4096L / 10));
        assertThat(sumThrough(interval, "main.scorchAllocate", "alloc_objects")).isCloseTo(3000L, within(300L));
    }

    @Test
    void goroutinesAreCountedAsTheyAreNotAsTheyGrew() throws Exception {
        program.leakGoroutines(150);
        puller.pull(GoProfileType.GOROUTINE);
        Outcome second = puller.pull(GoProfileType.GOROUTINE);

        assertThat(sumThrough(second, "main.scorchLeak", "goroutine")).isEqualTo(150);
    }

    @Test
    void mutexContentionOfTheIntervalIsReportedOnce() throws Exception {
        puller.pull(GoProfileType.MUTEX);
        program.contend(100);
        Outcome contended = puller.pull(GoProfileType.MUTEX);
        Outcome quiet = puller.pull(GoProfileType.MUTEX);

        assertThat(sumThrough(contended, "main.scorchContend.func1", "contentions")).isPositive();
        assertThat(sumThrough(contended, "main.scorchContend.func1", "delay")).isPositive();
        assertThat(sumThrough(quiet, "main.scorchContend.func1", "contentions")).isZero();
    }

    @Test
    void aRestartedProgramStartsANewBaselineInsteadOfASpike() throws Exception {
        program.allocate(1000, 1024);
        puller.pull(GoProfileType.ALLOCS);
        program.close();
        program = GoPprofProgram.restartOn(Tier.REAL_KERNEL, program.base().getPort());
        Outcome firstAfterRestart = puller.pull(GoProfileType.ALLOCS);
        program.allocate(1000, 1024);
        Outcome afterRestart = puller.pull(GoProfileType.ALLOCS);

        assertThat(firstAfterRestart.interval().kind()).isEqualTo(IntervalDeltas.Kind.RESET_BASELINE);
        assertThat(sumThrough(firstAfterRestart, "main.scorchAllocate", "alloc_space")).as("no spike at the restart").isZero();
        assertThat(afterRestart.interval().kind()).isEqualTo(IntervalDeltas.Kind.DELTA);
        assertThat(sumThrough(afterRestart, "main.scorchAllocate", "alloc_space")).isCloseTo(1000 * 1024L, within(1000 * 1024L / 10));
    }

    @Test
    void aCapturesHeapCutsThePulledIntervalShortSoPullsAndCaptureCountEachAllocationOnce() throws Exception {
        puller.pull(GoProfileType.HEAP);
        program.allocate(3000, 4096);
        CutProfile cut = puller.cutHeap(fetcher.fetch(PullEndpoints.at(program.base()).url(GoProfileType.HEAP), GoProfileType.HEAP))
                .orElseThrow();
        program.allocate(1000, 1024);
        Outcome next = puller.pull(GoProfileType.HEAP);

        assertThat(sumThrough(cut.gzippedPprof(), "main.scorchAllocate", "alloc_space")).as("the capture: allocations since the pull")
                .isCloseTo(3000 * 4096L, within(3000 * 4096L / 10));
        assertThat(sumThrough(cut.gzippedPprof(), "main.scorchAllocate", "inuse_space")).as("the capture: in use as served").isNotNegative();
        assertThat(cut.durationNanos()).isPositive();
        assertThat(sumThrough(next, "main.scorchAllocate", "alloc_space")).as("the next pull: allocations since the capture")
                .isCloseTo(1000 * 1024L, within(1000 * 1024L / 10));
    }

    @Test
    void aCapturesHeapOvertakenByAPullLeavesTheBaselineWhereThePullPutIt() throws Exception {
        puller.pull(GoProfileType.HEAP);
        PulledProfile older = fetcher.fetch(PullEndpoints.at(program.base()).url(GoProfileType.HEAP), GoProfileType.HEAP);
        program.allocate(3000, 4096);
        Outcome overtaking = puller.pull(GoProfileType.HEAP);
        program.allocate(1000, 1024);

        assertThat(puller.cutHeap(older)).as("the capture's profile is older than the pull's baseline").isEmpty();
        assertThat(sumThrough(overtaking, "main.scorchAllocate", "alloc_space")).isCloseTo(3000 * 4096L, within(3000 * 4096L / 10));
        assertThat(sumThrough(puller.pull(GoProfileType.HEAP), "main.scorchAllocate", "alloc_space"))
                .as("the next pull: only what came after the overtaking pull").isCloseTo(1000 * 1024L, within(1000 * 1024L / 10));
    }

    @Test
    void aCapturesHeapWithoutAPullHoldsTheMemoryInUseButNoAllocationsSinceTheProgramStarted() throws Exception {
        program.allocate(3000, 4096);
        PulledProfile served = fetcher.fetch(PullEndpoints.at(program.base()).url(GoProfileType.HEAP), GoProfileType.HEAP);
        CutProfile alone = IntervalPuller.withoutGrowth(GoProfileType.HEAP, served);

        assertThat(puller.cutHeap(served)).as("nothing pulled, no baseline to cut from").isEmpty();
        assertThat(sumThrough(alone.gzippedPprof(), "main.scorchAllocate", "alloc_space")).isZero();
        assertThat(new PprofDecoder(PprofDecoder.defaultLimits()).decode(alone.gzippedPprof(), "alone").total("inuse_space"))
                .isEqualTo(served.total("inuse_space")).isPositive();
        assertThat(alone.durationNanos()).isZero();
    }

    @Test
    void aMissingEndpointIsReportedAsMissing() throws Exception {
        Outcome outcome = new IntervalPuller(fetcher, PullEndpoints.at(program.base()).withPath(GoProfileType.HEAP, "/no/such/profile"))
                .pull(GoProfileType.HEAP);

        assertThat(outcome.failure().reason()).isEqualTo(PullFailure.Reason.ENDPOINT_MISSING);
    }
}
