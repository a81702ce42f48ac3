package dev.scorch.collector.profile;

import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class StackAggregatorTest {

    private static final Target API = Target.of(Map.of("service_name", "shop/api"));
    private static final Target WORKER = Target.of(Map.of("service_name", "shop/worker"));

    /** pid 1xx -> api, 2xx -> worker, others not selected. */
    private final TargetResolver resolver = new TargetResolver() {
        @Override
        public Optional<Target> resolve(int pid) {
            return pid / 100 == 1 ? Optional.of(API) : pid / 100 == 2 ? Optional.of(WORKER) : Optional.empty();
        }
    };

    private static final long[] KERNEL = {0xffffffff81000000L};
    private static final long[] USER = {0x401000, 0x402000};

    @Test
    void identicalStacksOfOneProcessAreCountedTogether() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);

        aggregator.add(101, KERNEL, 1, USER, 2);
        aggregator.add(101, KERNEL, 1, USER, 2);
        aggregator.add(101, KERNEL, 1, USER, 1);

        List<AggregatedStack> stacks = aggregator.drain().get(API);
        assertThat(stacks).hasSize(2);
        assertThat(stacks).anySatisfy(s -> {
            assertThat(s.userIps()).containsExactly(0x401000, 0x402000);
            assertThat(s.kernelIps()).containsExactly(0xffffffff81000000L);
            assertThat(s.count()).isEqualTo(2);
        });
    }

    @Test
    void theSameFramesInTwoProcessesAreTwoStacks() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);

        aggregator.add(101, KERNEL, 1, USER, 2);
        aggregator.add(102, KERNEL, 1, USER, 2);

        assertThat(aggregator.drain().get(API)).extracting(AggregatedStack::pid).containsExactlyInAnyOrder(101, 102);
    }

    @Test
    void kernelAndUserFramesAreNotInterchangeable() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);
        long[] frames = {1, 2};

        aggregator.add(101, frames, 1, frames, 2);
        aggregator.add(101, frames, 2, frames, 1);

        assertThat(aggregator.drain().get(API)).hasSize(2);
    }

    @Test
    void stacksAreKeptPerTarget() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);

        aggregator.add(101, KERNEL, 1, USER, 2);
        aggregator.add(201, KERNEL, 1, USER, 2);
        aggregator.add(201, KERNEL, 1, USER, 2);

        Map<Target, List<AggregatedStack>> drained = aggregator.drain();
        assertThat(drained.get(API)).singleElement().extracting(AggregatedStack::count).isEqualTo(1L);
        assertThat(drained.get(WORKER)).singleElement().extracting(AggregatedStack::count).isEqualTo(2L);
    }

    @Test
    void samplesOfUnselectedProcessesAreDroppedAndCounted() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);

        aggregator.add(999, KERNEL, 1, USER, 2);

        assertThat(aggregator.drain()).isEmpty();
        assertThat(aggregator.unselected()).isEqualTo(1);
    }

    @Test
    void pastTheBoundNewStacksCountAsTheirProcessSoNoSampleIsLost() {
        StackAggregator aggregator = new StackAggregator(resolver, 2);

        for (long leaf = 0; leaf < 50; leaf++) {
            aggregator.add(101, KERNEL, 0, new long[] {0x400000 + leaf}, 1);
        }

        List<AggregatedStack> stacks = aggregator.drain().get(API);
        assertThat(stacks).hasSize(3);
        assertThat(stacks.stream().mapToLong(AggregatedStack::count).sum()).isEqualTo(50);
        assertThat(aggregator.truncated()).isEqualTo(48);
    }

    @Test
    void drainStartsAFreshInterval() {
        StackAggregator aggregator = new StackAggregator(resolver, 100);
        aggregator.add(101, KERNEL, 1, USER, 2);
        aggregator.drain();

        aggregator.add(201, KERNEL, 1, USER, 2);

        assertThat(aggregator.drain()).containsOnlyKeys(WORKER);
    }

    @Test
    void manyDistinctStacksGrowTheTableWithoutLosingCounts() {
        StackAggregator aggregator = new StackAggregator(resolver, 100_000);
        for (int round = 0; round < 3; round++) {
            for (long leaf = 0; leaf < 5000; leaf++) {
                aggregator.add(101, KERNEL, 0, new long[] {leaf, 7}, 2);
            }
        }

        List<AggregatedStack> stacks = aggregator.drain().get(API);
        assertThat(stacks).hasSize(5000).allSatisfy(s -> assertThat(s.count()).isEqualTo(3));
    }

    @Test
    void aggregatorsSharingAStoreKeepOneCopyOfAStackTheyBothCount() {
        StackStore store = new StackStore(100);
        StackAggregator team1 = new StackAggregator(resolver, store);
        StackAggregator team2 = new StackAggregator(resolver, store);

        int id = store.acquire(101, KERNEL, 1, USER, 2);
        team1.add(101, id);
        team2.add(101, id);
        team2.add(101, id);
        store.release(id);

        assertThat(store.size()).isEqualTo(1);
        AggregatedStack first = team1.drain().get(API).getFirst();
        AggregatedStack second = team2.drain().get(API).getFirst();
        assertThat(second.userIps()).isSameAs(first.userIps());
        assertThat(first.count()).isEqualTo(1);
        assertThat(second.count()).isEqualTo(2);
    }

    @Test
    void aSharedStackIsForgottenOnceEveryAggregatorCountingItWasDrained() {
        StackStore store = new StackStore(100);
        StackAggregator team1 = new StackAggregator(resolver, store);
        StackAggregator team2 = new StackAggregator(resolver, store);
        team1.add(101, KERNEL, 1, USER, 2);
        team2.add(101, KERNEL, 1, USER, 2);

        team1.drain();
        assertThat(store.size()).isEqualTo(1);
        team2.drain();
        assertThat(store.size()).isZero();
    }
}
