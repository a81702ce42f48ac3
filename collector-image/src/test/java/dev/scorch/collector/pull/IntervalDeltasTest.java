package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.pull.IntervalDeltas.Interval;
import dev.scorch.collector.pull.IntervalDeltas.Kind;
import dev.scorch.collector.pull.PprofRewriter.RewrittenSample;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IntervalDeltasTest {

    private static final long SECOND = 1_000_000_000L;
    private final PprofDecoder decoder = new PprofDecoder(PprofDecoder.defaultLimits());

    private PulledProfile decode(GoStyleProfile profile) throws PullFailure {
        return decoder.decode(profile.gzipped(), "test");
    }

    /** Values per leaf function name. */
    private static Map<String, long[]> byLeaf(PulledProfile profile, Interval interval) {
        Map<String, long[]> values = new HashMap<>();
        for (RewrittenSample s : interval.samples()) {
            long leaf = s.sample().locationIds()[0];
            String name = profile.functions().get(profile.locations().get(leaf).lines().getFirst().functionId()).name();
            values.put(name, s.values());
        }
        return values;
    }

    @Test
    void firstFetchIsABaselineThatReportsLiveHeapButNoAllocations() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.HEAP);
        PulledProfile first = decode(GoStyleProfile.heap().at(10 * SECOND)
                .sample("main.alloc;main.main", 100, 102400, 10, 10240)
                .sample("main.gone;main.main", 5, 500, 0, 0));

        Interval interval = deltas.next(first, 0);

        assertThat(interval.kind()).isEqualTo(Kind.FIRST_BASELINE);
        assertThat(interval.durationNanos()).isZero();
        assertThat(byLeaf(first, interval)).containsOnlyKeys("main.alloc");
        assertThat(byLeaf(first, interval).get("main.alloc")).containsExactly(0, 0, 10, 10240);
    }

    @Test
    void allocationsBecomeTheGrowthPerStackSinceThePreviousFetch() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.HEAP);
        deltas.next(decode(GoStyleProfile.heap().at(10 * SECOND)
                .sample("main.alloc;main.main", 100, 102400, 10, 10240)
                .sample("main.idle;main.main", 7, 700, 1, 100)), 0);
        PulledProfile second = decode(GoStyleProfile.heap().at(25 * SECOND)
                .sample("main.alloc;main.main", 150, 153600, 12, 12288)
                .sample("main.idle;main.main", 7, 700, 0, 0)
                .sample("main.fresh;main.main", 3, 300, 3, 300));

        Interval interval = deltas.next(second, 0);

        assertThat(interval.kind()).isEqualTo(Kind.DELTA);
        assertThat(interval.startNanos()).isEqualTo(10 * SECOND);
        assertThat(interval.durationNanos()).isEqualTo(15 * SECOND);
        Map<String, long[]> values = byLeaf(second, interval);
        assertThat(values.get("main.alloc")).containsExactly(50, 51200, 12, 12288);
        assertThat(values.get("main.fresh")).containsExactly(3, 300, 3, 300);
        assertThat(values).as("nothing allocated, nothing live: dropped").doesNotContainKey("main.idle");
    }

    @Test
    void stacksMatchAcrossFetchesThatNumberTheirTablesDifferently() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.MUTEX);
        deltas.next(decode(GoStyleProfile.mutex().at(SECOND)
                .sample("sync.Lock;main.a", 1, 100)
                .sample("sync.Lock;main.b", 2, 200)), 0);
        PulledProfile renumbered = decode(GoStyleProfile.mutex().at(2 * SECOND).reversedTables()
                .sample("sync.Lock;main.a", 4, 400)
                .sample("sync.Lock;main.b", 2, 200));

        Interval interval = deltas.next(renumbered, 0);

        assertThat(interval.kind()).isEqualTo(Kind.DELTA);
        assertThat(interval.samples()).hasSize(1);
        assertThat(interval.samples().getFirst().values()).containsExactly(3, 300);
    }

    @Test
    void samplesWithTheSameStackButDifferentLabelsStayApart() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.HEAP);
        deltas.next(decode(GoStyleProfile.heap()
                .sampleWithBytes("main.alloc", 16, 1, 16, 0, 0)
                .sampleWithBytes("main.alloc", 1024, 1, 1024, 0, 0)), 0);

        Interval interval = deltas.next(decode(GoStyleProfile.heap()
                .sampleWithBytes("main.alloc", 16, 1, 16, 0, 0)
                .sampleWithBytes("main.alloc", 1024, 3, 3072, 0, 0)), 0);

        assertThat(interval.samples()).singleElement().satisfies(s -> {
            assertThat(s.values()).containsExactly(2, 2048, 0, 0);
            assertThat(s.sample().labels()).singleElement().satisfies(l -> assertThat(l.num()).isEqualTo(1024));
        });
    }

    @Test
    void aCounterThatGoesDownMeansTheProgramRestartedAndStartsANewBaseline() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.MUTEX);
        deltas.next(decode(GoStyleProfile.mutex().at(SECOND).sample("sync.Lock;main.a", 50, 5000)), 0);
        PulledProfile restarted = decode(GoStyleProfile.mutex().at(2 * SECOND).sample("sync.Lock;main.a", 2, 200));

        Interval interval = deltas.next(restarted, 0);

        assertThat(interval.kind()).isEqualTo(Kind.RESET_BASELINE);
        assertThat(interval.hasSamples()).as("no negative and no since-start spike").isFalse();

        Interval after = deltas.next(decode(GoStyleProfile.mutex().at(3 * SECOND).sample("sync.Lock;main.a", 5, 500)), 0);
        assertThat(after.kind()).isEqualTo(Kind.DELTA);
        assertThat(after.samples().getFirst().values()).containsExactly(3, 300);
    }

    @Test
    void aStackThatVanishedMeansTheProgramRestarted() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.ALLOCS);
        deltas.next(decode(GoStyleProfile.heap().sample("main.a", 5, 50, 0, 0).sample("main.b", 5, 50, 0, 0)), 0);

        Interval interval = deltas.next(decode(GoStyleProfile.heap().sample("main.a", 9, 90, 0, 0)), 0);

        assertThat(interval.kind()).isEqualTo(Kind.RESET_BASELINE);
        assertThat(interval.hasSamples()).isFalse();
    }

    @Test
    void changedSampleTypesStartANewBaseline() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.BLOCK);
        deltas.next(decode(GoStyleProfile.mutex().sample("main.a", 5, 50)), 0);
        PulledProfile otherTypes = decode(new GoStyleProfile().types("contentions/count", "delay/microseconds").sample("main.a", 9, 90));

        Interval interval = deltas.next(otherTypes, 0);

        assertThat(interval.kind()).isEqualTo(Kind.TYPES_CHANGED_BASELINE);
        assertThat(interval.hasSamples()).isFalse();
    }

    @Test
    void goroutineCountsAreAStateNowAndPassThrough() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.GOROUTINE);
        GoStyleProfile goroutines = new GoStyleProfile().types("goroutine/count").period("goroutine/count", 1)
                .sample("runtime.gopark;main.worker", 40);
        Interval first = deltas.next(decode(goroutines), 0);
        Interval second = deltas.next(decode(goroutines), 0);

        assertThat(first.samples().getFirst().values()).containsExactly(40);
        assertThat(second.samples().getFirst().values()).containsExactly(40);
    }

    @Test
    void godeltaprofAnswersPassThroughExceptTheFirstWhichCountsSinceStart() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.GODELTAPROF_MUTEX);
        Interval first = deltas.next(decode(GoStyleProfile.mutex().sample("main.a", 500, 50000)), 0);
        Interval second = deltas.next(decode(GoStyleProfile.mutex().sample("main.a", 3, 300)), 0);

        assertThat(first.kind()).isEqualTo(Kind.FIRST_BASELINE);
        assertThat(first.hasSamples()).isFalse();
        assertThat(second.samples().getFirst().values()).containsExactly(3, 300);
    }

    @Test
    void theRewrittenIntervalDecodesToTheSameStacksWithTheDeltaValues() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.HEAP);
        deltas.next(decode(GoStyleProfile.heap().at(SECOND).sample("main.alloc;main.main", 1, 10, 1, 10)), 0);
        PulledProfile second = decode(GoStyleProfile.heap().at(16 * SECOND).sample("main.alloc;main.main", 4, 40, 2, 20));
        Interval interval = deltas.next(second, 0);

        PulledProfile written = decoder.decode(
                PprofRewriter.gzipped(second, interval.samples(), interval.startNanos(), interval.durationNanos()), "rewritten");

        assertThat(written.sampleTypes()).isEqualTo(second.sampleTypes());
        assertThat(written.timeNanos()).isEqualTo(SECOND);
        assertThat(written.periodType()).isEqualTo(second.periodType());
        assertThat(written.period()).isEqualTo(second.period());
        assertThat(written.samples()).singleElement().satisfies(s -> {
            assertThat(s.values()).containsExactly(3, 30, 2, 20);
            assertThat(java.util.Arrays.stream(s.locationIds())
                    .mapToObj(id -> written.functions().get(written.locations().get(id).lines().getFirst().functionId()).name())
                    .collect(Collectors.joining(";"))).isEqualTo("main.alloc;main.main");
        });
    }

    @Test
    void aBucketListedWithoutCountsThatLaterGainsCountsAndALabelIsNotARestart() throws Exception {
        IntervalDeltas deltas = new IntervalDeltas(GoProfileType.HEAP);
        deltas.next(decode(GoStyleProfile.heap()
                .sample("main.alloc", 0, 0, 0, 0)
                .sampleWithBytes("main.other", 64, 1, 64, 0, 0)), 0);

        Interval interval = deltas.next(decode(GoStyleProfile.heap()
                .sampleWithBytes("main.alloc", 32, 2, 64, 0, 0)
                .sampleWithBytes("main.other", 64, 1, 64, 0, 0)), 0);

        assertThat(interval.kind()).isEqualTo(Kind.DELTA);
        assertThat(interval.samples()).singleElement().satisfies(s -> assertThat(s.values()).containsExactly(2, 64, 0, 0));
    }
}
