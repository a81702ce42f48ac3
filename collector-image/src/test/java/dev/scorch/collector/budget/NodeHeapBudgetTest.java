package dev.scorch.collector.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One node-wide bound of heap bytes: claims wait for room or make it by evicting the oldest that allow it. */
class NodeHeapBudgetTest {

    /** A claim that may be evicted, and remembers that it was. */
    private static final class Droppable extends NodeHeapBudget.Claim {
        boolean dropped;

        Droppable(long bytes) {
            super(bytes);
        }

        @Override
        protected boolean evict() {
            dropped = true;
            return true;
        }
    }

    @Test
    void aClaimThatFindsNoRoomInTimeIsRefused() throws InterruptedException {
        NodeHeapBudget budget = new NodeHeapBudget("fetched profiles", 100);
        assertThat(budget.reserve(new NodeHeapBudget.Claim(60), Duration.ZERO)).isTrue();

        assertThat(budget.reserve(new NodeHeapBudget.Claim(60), Duration.ofMillis(20))).isFalse();
        assertThat(budget.heldBytes()).isEqualTo(60);
    }

    @Test
    void aWaitingClaimTakesTheRoomOnceItIsReleased() throws Exception {
        NodeHeapBudget budget = new NodeHeapBudget("fetched profiles", 100);
        NodeHeapBudget.Claim first = new NodeHeapBudget.Claim(60);
        budget.reserve(first, Duration.ZERO);
        CountDownLatch started = new CountDownLatch(1);

        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try {
                return budget.reserve(new NodeHeapBudget.Claim(60), Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        started.await();
        budget.release(first);

        assertThat(second.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(budget.heldBytes()).isEqualTo(60);
        assertThat(budget.peakBytes()).isEqualTo(60);
    }

    @Test
    void anInterruptedCallerGetsNoRoomEvenWhenSomeIsFree() {
        NodeHeapBudget budget = new NodeHeapBudget("fetched profiles", 100);

        Thread.currentThread().interrupt();

        assertThatThrownBy(() -> budget.reserve(new NodeHeapBudget.Claim(60), Duration.ZERO)).isInstanceOf(InterruptedException.class);
        assertThat(budget.heldBytes()).isZero();
    }

    @Test
    void aClaimLargerThanTheWholeBudgetIsAnError() {
        NodeHeapBudget budget = new NodeHeapBudget("fetched profiles", 100);

        assertThatThrownBy(() -> budget.reserve(new NodeHeapBudget.Claim(101), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never fits the node's budget of fetched profiles");
    }

    @Test
    void holdingOverTheBoundEvictsTheOldestClaimsThatAllowIt() {
        NodeHeapBudget budget = new NodeHeapBudget("profiles held in memory", 100);
        NodeHeapBudget.Claim pinned = new NodeHeapBudget.Claim(40);
        List<Droppable> held = new ArrayList<>();
        budget.hold(pinned);
        for (int i = 0; i < 3; i++) {
            held.add(new Droppable(30));
            budget.hold(held.getLast());
        }

        assertThat(held).extracting(claim -> claim.dropped).containsExactly(true, false, false);
        assertThat(budget.heldBytes()).isEqualTo(100);
    }

    @Test
    void aClaimReleasedBeforeItIsHeldIsNeverCounted() {
        NodeHeapBudget budget = new NodeHeapBudget("profiles held in memory", 100);
        Droppable settledFirst = new Droppable(30);

        budget.release(settledFirst);
        budget.hold(settledFirst);

        assertThat(budget.heldBytes()).isZero();
    }

    @Test
    void aBudgetWithoutRoomIsRefusedNamingWhatItHolds() {
        assertThatThrownBy(() -> new NodeHeapBudget("profiles held in memory", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("budget of profiles held in memory must be positive");
    }
}
