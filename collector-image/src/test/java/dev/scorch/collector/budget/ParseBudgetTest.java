package dev.scorch.collector.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a parse may cost, how a refusal is named, and which refusals are remembered. */
class ParseBudgetTest {

    private static final ParseBudget.Limits LIMITS = new ParseBudget.Limits("test", 1 << 20, 1000, 4096);

    @Test
    void aChargeOverALimitIsRefusedNamingTheParserAndTheLimit() throws Exception {
        ParseBudget budget = ParseBudget.of(LIMITS);
        budget.steps(1000);

        assertThatThrownBy(() -> budget.steps(1)).isInstanceOfSatisfying(OverBudgetException.class, e -> {
            assertThat(e.parser()).isEqualTo("test");
            assertThat(e.limit()).isEqualTo("steps");
            assertThat(e.deferred()).isFalse();
        });
    }

    @Test
    void smallReadsAreChargedAtLeastAPage() throws Exception {
        ParseBudget budget = ParseBudget.of(LIMITS);
        budget.read(4);
        assertThat(budget.readBytes()).isEqualTo(ParseBudget.MINIMUM_READ_CHARGE);
    }

    @Test
    void aDeclaredCountAboveItsMaximumOrNegativeIsRefusedUnderItsOwnName() {
        ParseBudget budget = ParseBudget.of(LIMITS);
        assertThatThrownBy(() -> budget.require("sections", 70_000, 65_536))
                .isInstanceOfSatisfying(OverBudgetException.class, e -> assertThat(e.limit()).isEqualTo("sections"));
        assertThatThrownBy(() -> budget.require("sections", -1, 65_536)).isInstanceOf(OverBudgetException.class);
    }

    @Test
    void heapChargesThatOverflowAreRefusedNotWrapped() throws Exception {
        ParseBudget budget = ParseBudget.of(new ParseBudget.Limits("test", Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
        budget.heap(Long.MAX_VALUE - 1);
        assertThatThrownBy(() -> budget.heap(Long.MAX_VALUE)).isInstanceOf(OverBudgetException.class);
    }

    @Test
    void theNodeWideBudgetDefersObjectsUntilItsWindowRefills() throws Exception {
        AtomicLong now = new AtomicLong();
        TotalBudget total = new TotalBudget(1 << 20, Long.MAX_VALUE, Duration.ofSeconds(60), now::get);
        ParseBudget.of(LIMITS, total).read(1 << 20);

        assertThatThrownBy(() -> ParseBudget.of(LIMITS, total).read(4096))
                .isInstanceOfSatisfying(OverBudgetException.class, e -> assertThat(e.deferred()).isTrue());
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        ParseBudget.of(LIMITS, total).read(4096);
    }

    @Test
    void refusalsAreRememberedByIdentityExceptDeferredOnesWhichAreOnlyCounted() {
        ParseRejections rejections = new ParseRejections();
        rejections.reject("1:2:3:4", new OverBudgetException("elf", "heap_bytes", 2, 1, false));
        rejections.reject("5:6:7:8", new OverBudgetException("elf", "total_read_bytes", 2, 1, true));

        assertThat(rejections.of("1:2:3:4")).isEqualTo(new ParseRejections.Rejection("elf", "heap_bytes"));
        assertThat(rejections.of("5:6:7:8")).isNull();
        assertThat(rejections.counts()).containsEntry("elf/heap_bytes", 1L).containsEntry("elf/total_read_bytes", 1L);
    }
}
