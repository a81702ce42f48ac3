package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.pull.PullFailure.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The node's one bound of fetched profiles, shared by the fetchers of every policy, against a real loopback HTTP server. */
class FetchBudgetTest {

    private static final ProfileFetcher.Limits POLICY_LIMITS = new ProfileFetcher.Limits(Duration.ofSeconds(2), Duration.ofSeconds(60),
            32 << 20, 4);

    private static final byte[] HEAP = GoStyleProfile.heap().sample("main.alloc;main.main", 1, 2, 3, 4).gzipped();

    private static FetchBudget budget(int slots, int maxBodyBytes) {
        return new FetchBudget(slots, maxBodyBytes, PprofDecoder.defaultLimits());
    }

    @Test
    void twentyPoliciesPullsTogetherHoldNoMoreFetchesThanTheNodesBudget() throws Exception {
        FetchBudget node = budget(2, 1 << 20);
        AtomicInteger answering = new AtomicInteger();
        AtomicInteger mostAnswering = new AtomicInteger();
        // Counted from the request to before the body's last byte: the time the fetcher must hold its slot.
        HostileHttpServer.Answer slowHeap = (path, out) -> {
            mostAnswering.accumulateAndGet(answering.incrementAndGet(), Math::max);
            Thread.sleep(50);
            out.write(HostileHttpServer.head(200, "OK", HEAP.length));
            out.write(HEAP, 0, HEAP.length - 1);
            out.flush();
            answering.decrementAndGet();
            out.write(HEAP, HEAP.length - 1, 1);
        };
        List<ProfileFetcher> policies = new ArrayList<>();
        try (HostileHttpServer server = new HostileHttpServer(slowHeap);
                ExecutorService pulls = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                policies.add(new ProfileFetcher(POLICY_LIMITS, node));
            }
            List<Future<PulledProfile>> fetched = new ArrayList<>();
            for (ProfileFetcher policy : policies) {
                for (int pod = 0; pod < 2; pod++) {
                    fetched.add(pulls.submit(() -> policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP)));
                }
            }
            for (Future<PulledProfile> profile : fetched) {
                assertThat(profile.get().samples()).hasSize(1);
            }
            assertThat(mostAnswering.get()).isBetween(1, 2);
            assertThat(node.peak()).isEqualTo(2);
        } finally {
            policies.forEach(ProfileFetcher::close);
        }
    }

    @Test
    void aFetchWaitingLongerThanItsTimeoutForRoomFailsNamingTheNodeBudget() throws Exception {
        FetchBudget node = budget(1, 1 << 20);
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(HEAP));
                ProfileFetcher policy = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofMillis(100), Duration.ofMillis(200),
                        1 << 20, 4), node);
                OtherThreadsSlot other = new OtherThreadsSlot(node)) {
            assertThatThrownBy(() -> policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP))
                    .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(Reason.NODE_BUDGET))
                    .hasMessageContaining("the node's budget of fetched profiles")
                    .hasMessageContaining("shared by every policy on this node");
        }
    }

    @Test
    void decodingAPulledProfileAgainForAnotherFormatWaitsForTheNodesBudgetLikeAFetch() throws Exception {
        FetchBudget node = budget(1, 1 << 20);
        try (ProfileFetcher policy = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofMillis(100), Duration.ofMillis(200),
                        1 << 20, 4), node)) {
            try (OtherThreadsSlot other = new OtherThreadsSlot(node)) {
                assertThatThrownBy(() -> policy.decode(HEAP, "shop/ledger-0"))
                        .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(Reason.NODE_BUDGET));
            }
            assertThat(policy.decode(HEAP, "shop/ledger-0").samples()).hasSize(1);
            assertThat(node.held()).isZero();
        }
    }

    @Test
    void roomIsGivenBackWhenTheDecodeFinishesOrFails() throws Exception {
        FetchBudget node = budget(1, 1 << 20);
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> HostileHttpServer.ok(path.contains("garbage")
                        ? "not a profile".getBytes() : HEAP).write(path, out));
                ProfileFetcher policy = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofSeconds(2), Duration.ofSeconds(10),
                        1 << 20, 4), node)) {
            policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP);
            assertThat(node.held()).isZero();

            assertThatThrownBy(() -> policy.fetch(server.url("/garbage"), GoProfileType.HEAP))
                    .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_PPROF));
            assertThat(node.held()).isZero();

            assertThat(policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP).samples()).hasSize(1);
        }
    }

    @Test
    void aBodyOverTheNodesCapIsRefusedThoughThePolicyAllowsIt() throws Exception {
        FetchBudget node = budget(2, 64 << 10);
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(new byte[128 << 10]));
                ProfileFetcher policy = new ProfileFetcher(POLICY_LIMITS, node)) {
            assertThatThrownBy(() -> policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP))
                    .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE))
                    .hasMessageContaining("the node's cap on one fetched profile");
        }
    }

    @Test
    void aCallersSlotCoversItsFetchAndItsDecodeAgainAndKeepsOtherThreadsOut() throws Exception {
        FetchBudget node = budget(1, 1 << 20);
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(HEAP));
                ProfileFetcher policy = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofMillis(100), Duration.ofMillis(200),
                        1 << 20, 4), node);
                ProfileFetcher otherPolicy = new ProfileFetcher(new ProfileFetcher.Limits(Duration.ofMillis(100), Duration.ofMillis(200),
                        1 << 20, 4), node);
                ExecutorService otherThread = Executors.newSingleThreadExecutor()) {
            try (FetchBudget.Slot _ = policy.slot(server.url("/debug/pprof/heap"))) {
                PulledProfile fetched = policy.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP);
                assertThat(policy.decode(PprofRewriter.gzipped(fetched, List.of(), 0, 0), "shop/ledger-0").samples()).isEmpty();
                assertThat(node.held()).isEqualTo(1);
                Future<PulledProfile> elsewhere = otherThread.submit(() -> otherPolicy.fetch(server.url("/debug/pprof/heap"),
                        GoProfileType.HEAP));
                assertThatThrownBy(elsewhere::get).cause()
                        .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(Reason.NODE_BUDGET));
            }
            assertThat(node.held()).isZero();
            assertThat(node.peak()).isEqualTo(1);
        }
    }

    @Test
    void theNodesBudgetForTheImagesHeapHoldsOneProfileAtATimeWithinASixthOfIt() {
        FetchBudget node = FetchBudget.forHeap(48L << 20);

        assertThat(node.slots()).isEqualTo(1);
        assertThat(node.slots() * 2 * node.decodeLimits().heapBytes()).isEqualTo(8L << 20);
        assertThat(node.maxBodyBytes()).isEqualTo(3 << 20);
    }

    @Test
    void aHeapOfNinetySixMebibytesOrMoreFetchesTwoProfilesAtOnceWithinAThirdOfIt() {
        FetchBudget node = FetchBudget.forHeap(96L << 20);

        assertThat(node.slots()).isEqualTo(2);
        assertThat(node.slots() * 2 * node.decodeLimits().heapBytes()).isEqualTo(32L << 20);
    }

    /** A slot held by another thread (another policy's pull) until closed. */
    private static final class OtherThreadsSlot implements AutoCloseable {
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final FetchBudget.Slot slot;

        OtherThreadsSlot(FetchBudget node) throws Exception {
            slot = thread.submit(() -> node.acquire("http://other-policy/", Duration.ZERO)).get();
        }

        @Override
        public void close() throws Exception {
            thread.submit(slot::close).get();
            thread.close();
        }
    }
}
