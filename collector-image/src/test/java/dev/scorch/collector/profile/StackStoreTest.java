package dev.scorch.collector.profile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class StackStoreTest {

    private static final long[] KERNEL = {0xffffffff81000000L};
    private static final long[] USER = {0x401000, 0x402000};

    @Test
    void theSameStackAcquiredTwiceHasOneId() {
        StackStore store = new StackStore(100);

        int first = store.acquire(101, KERNEL, 1, USER, 2);
        int second = store.acquire(101, KERNEL.clone(), 1, USER.clone(), 2);

        assertThat(second).isEqualTo(first);
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void aStackNobodyHoldsIsForgotten() {
        StackStore store = new StackStore(100);
        int id = store.acquire(101, KERNEL, 1, USER, 2);
        store.retain(id);

        store.release(id);
        assertThat(store.size()).isEqualTo(1);
        store.release(id);
        assertThat(store.size()).isZero();
    }

    @Test
    void onlyTheFramesUpToTheDepthAreTheStack() {
        StackStore store = new StackStore(100);
        long[] reused = {0x401000, 0x402000, 0xdead};

        int id = store.acquire(101, KERNEL, 1, reused, 2);

        assertThat(store.acquire(101, KERNEL, 1, USER, 2)).isEqualTo(id);
        assertThat(store.acquire(101, KERNEL, 1, reused, 3)).isNotEqualTo(id);
    }

    @Test
    void pastTheBoundANewStackBecomesItsProcessFramelessStack() {
        StackStore store = new StackStore(1);
        store.acquire(101, KERNEL, 1, USER, 2);

        int folded = store.acquire(101, KERNEL, 1, USER, 1);
        int again = store.acquire(101, KERNEL, 0, USER, 1);

        assertThat(again).isEqualTo(folded);
        assertThat(store.truncated()).isEqualTo(2);
        StackCounts counts = new StackCounts();
        counts.increment(folded);
        store.retain(folded);
        assertThat(store.drain(counts)).singleElement().satisfies(stack -> {
            assertThat(stack.pid()).isEqualTo(101);
            assertThat(stack.kernelIps()).isEmpty();
            assertThat(stack.userIps()).isEmpty();
        });
    }

    @Test
    void stacksStayFindableWhileOthersComeAndGo() {
        StackStore store = new StackStore(1_000_000);
        Random random = new Random(14);
        List<long[]> held = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int round = 0; round < 20_000; round++) {
            if (!held.isEmpty() && random.nextInt(3) == 0) {
                int victim = random.nextInt(held.size());
                store.release(ids.remove(victim));
                held.remove(victim);
            } else {
                long[] frames = {random.nextInt(5_000), random.nextInt(3)};
                int id = store.acquire(7, KERNEL, 0, frames, 2);
                held.add(frames);
                ids.add(id);
            }
        }

        for (int i = 0; i < held.size(); i++) {
            int id = store.acquire(7, KERNEL, 0, held.get(i), 2);
            assertThat(id).isEqualTo(ids.get(i));
            store.release(id);
        }
        assertThat(store.size()).isEqualTo((int) ids.stream().distinct().count());
    }
}
