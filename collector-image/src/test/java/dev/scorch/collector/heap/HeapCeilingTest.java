package dev.scorch.collector.heap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeapCeilingTest {

    private static final long MIB = 1 << 20;
    private static final long SECOND = 1_000_000_000L;
    private static final HeapCeiling.Settings SETTINGS = new HeapCeiling.Settings(8 * MIB, 3, Duration.ofSeconds(10), 48 * MIB);

    @Test
    void theFirstCeilingIsTheCommittedHeapAtStartPlusTheHeadroom() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);

        assertThat(ceiling.ceilingBytes()).isEqualTo(16 * MIB);
    }

    @Test
    void aHeapAtItsCeilingAsksForNothing() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);

        assertThat(ceiling.shouldCollect(16 * MIB, 0)).isFalse();
    }

    @Test
    void aHeapPastItsCeilingAsksForAFullGc() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);

        assertThat(ceiling.shouldCollect(17 * MIB, 0)).isTrue();
    }

    @Test
    void theCeilingIsTheLeastARecentFullGcLeftCommittedPlusTheHeadroom() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);
        ceiling.collected(24 * MIB, 0);
        ceiling.collected(30 * MIB, 10 * SECOND);
        ceiling.collected(26 * MIB, 20 * SECOND);

        assertThat(ceiling.ceilingBytes()).isEqualTo(32 * MIB);
    }

    @Test
    void aLiveSetThatStaysHigherRaisesTheCeilingOnceEveryRecentFullGcLeftMore() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);
        ceiling.collected(20 * MIB, 0);
        ceiling.collected(30 * MIB, 10 * SECOND);
        ceiling.collected(32 * MIB, 20 * SECOND);

        ceiling.collected(31 * MIB, 30 * SECOND);

        assertThat(ceiling.ceilingBytes()).isEqualTo(38 * MIB);
    }

    @Test
    void aHeapPastItsCeilingTooSoonAfterTheLastFullGcWaitsForTheInterval() {
        HeapCeiling ceiling = new HeapCeiling(SETTINGS, 8 * MIB);
        ceiling.collected(20 * MIB, 0);

        assertThat(ceiling.shouldCollect(29 * MIB, 9 * SECOND)).isFalse();
        assertThat(ceiling.shouldCollect(29 * MIB, 10 * SECOND)).isTrue();
    }

    @Test
    void aCeilingAtTheHardLimitLeavesTheHeapToTheJvmsOwnFullGcs() {
        HeapCeiling ceiling = new HeapCeiling(new HeapCeiling.Settings(8 * MIB, 1, Duration.ofSeconds(10), 48 * MIB), 8 * MIB);
        ceiling.collected(44 * MIB, 0);

        assertThat(ceiling.ceilingBytes()).isEqualTo(48 * MIB);
        assertThat(ceiling.shouldCollect(48 * MIB, 60 * SECOND)).isFalse();
    }

    @Test
    void aHeapThatShrankWithoutAFullGcAskedForCountsAsARecentFullGc() {
        HeapCeiling ceiling = new HeapCeiling(new HeapCeiling.Settings(8 * MIB, 1, Duration.ofSeconds(10), 48 * MIB), 8 * MIB);
        ceiling.collected(44 * MIB, 0);
        ceiling.shouldCollect(48 * MIB, SECOND);

        ceiling.shouldCollect(24 * MIB, 2 * SECOND);

        assertThat(ceiling.ceilingBytes()).isEqualTo(32 * MIB);
    }

    @Test
    void settingsOutOfRangeAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> new HeapCeiling.Settings(0, 3, Duration.ofSeconds(10), 48 * MIB))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headroom 0 bytes");
    }
}
