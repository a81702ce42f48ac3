package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.pull.PullFailure.Reason;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fetcher against a real loopback HTTP server that answers well, badly and hostilely. */
class ProfileFetcherTest {

    private static final ProfileFetcher.Limits LIMITS = new ProfileFetcher.Limits(Duration.ofSeconds(1), Duration.ofSeconds(2), 64 << 10, 2);

    private final ProfileFetcher fetcher = new ProfileFetcher(LIMITS, new PprofDecoder(PprofDecoder.defaultLimits()));

    @AfterEach
    void close() {
        fetcher.close();
    }

    private static void assertFailure(ThrowingCallable call, Reason reason, String messagePart) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(PullFailure.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(messagePart);
    }

    @Test
    void aGoHeapProfileIsFetchedAndDecoded() throws Exception {
        byte[] heap = GoStyleProfile.heap().sample("main.alloc;main.main", 1, 2, 3, 4).gzipped();
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(heap))) {
            PulledProfile profile = fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP);

            assertThat(profile.samples()).hasSize(1);
        }
    }

    @Test
    void aBodyDeclaredLargerThanTheCapIsRefusedBeforeItIsRead() throws Exception {
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            out.write(HostileHttpServer.head(200, "OK", 1L << 30));
            out.flush();
            Thread.sleep(Long.MAX_VALUE);
        })) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.TOO_LARGE,
                    "1073741824 bytes declared");
        }
    }

    @Test
    void anEndlessBodyWithoutALengthIsCutOffAtTheCap() throws Exception {
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            out.write(HostileHttpServer.head(200, "OK", -1));
            byte[] chunk = new byte[8192];
            while (true) {
                out.write(chunk);
            }
        })) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.TOO_LARGE,
                    "more than 65536 bytes received");
        }
    }

    @Test
    void aBodyCutShortOfItsDeclaredLengthIsAFailureNotAProfile() throws Exception {
        byte[] heap = GoStyleProfile.heap().sample("main.alloc;main.main", 1, 2, 3, 4).gzipped();
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            out.write(HostileHttpServer.head(200, "OK", heap.length));
            out.write(heap, 0, heap.length / 2);
        })) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.NOT_PPROF,
                    server.url("/debug/pprof/heap").toString());
        }
    }

    @Test
    void aTruncatedGzipSentAsCompleteIsNotPprof() throws Exception {
        byte[] heap = GoStyleProfile.heap().sample("main.alloc;main.main", 1, 2, 3, 4).gzipped();
        byte[] half = java.util.Arrays.copyOf(heap, heap.length / 2);
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(half))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.NOT_PPROF,
                    "gzip body is broken or cut off");
        }
    }

    @Test
    void anHtmlPageIsNotPprof() throws Exception {
        byte[] page = "<!DOCTYPE html><title>Sign in</title>".getBytes(StandardCharsets.UTF_8);
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(page))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.NOT_PPROF, "<!DOCTYPE html>");
        }
    }

    @Test
    void aServerThatTricklesItsBodyIsCutOffAtTheDeadline() throws Exception {
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            out.write(HostileHttpServer.head(200, "OK", 10_000));
            while (true) {
                out.write(0x1F);
                out.flush();
                Thread.sleep(100);
            }
        })) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.TIMEOUT,
                    "did not answer completely within 2000 ms");
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> Thread.sleep(Long.MAX_VALUE))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.TIMEOUT, "within 2000 ms");
        }
    }

    @Test
    void notFoundMeansTheEndpointIsMissing() throws Exception {
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> out.write(HostileHttpServer.head(404, "Not Found", 0)))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.ENDPOINT_MISSING,
                    "does it import net/http/pprof");
        }
    }

    @Test
    void anotherStatusIsReportedWithTheStartOfItsBody() throws Exception {
        byte[] body = "profile busy, retry later".getBytes(StandardCharsets.UTF_8);
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            out.write(HostileHttpServer.head(503, "Service Unavailable", body.length));
            out.write(body);
        })) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.HTTP_STATUS,
                    "HTTP 503: profile busy, retry later");
        }
    }

    @Test
    void aClosedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/debug/pprof/heap");

        assertFailure(() -> fetcher.fetch(url, GoProfileType.HEAP), Reason.UNREACHABLE, "is unreachable");
    }

    @Test
    void aHeapProfileWithRateZeroSaysProfilingIsOff() throws Exception {
        byte[] heap = GoStyleProfile.heap().period("space/bytes", 0).gzipped();
        try (HostileHttpServer server = new HostileHttpServer(HostileHttpServer.ok(heap))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP), Reason.PROFILING_OFF,
                    "runtime.MemProfileRate is 0");
        }
    }

    @Test
    void anEmptyMutexProfileWhoseTextViewShowsFractionZeroSaysProfilingIsOff() throws Exception {
        byte[] empty = GoStyleProfile.mutex().gzipped();
        byte[] text = "--- mutex:\ncycles/second=2000000000\nsampling period=0\n".getBytes(StandardCharsets.UTF_8);
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> HostileHttpServer.ok(path.contains("debug=1") ? text : empty)
                .write(path, out))) {
            assertFailure(() -> fetcher.fetch(server.url("/debug/pprof/mutex"), GoProfileType.MUTEX), Reason.PROFILING_OFF,
                    "runtime.SetMutexProfileFraction");
        }
    }

    @Test
    void noMoreThanTheAllowedRequestsAreInFlightAtOnce() throws Exception {
        byte[] heap = GoStyleProfile.heap().sample("main.alloc", 1, 2, 3, 4).gzipped();
        CountDownLatch release = new CountDownLatch(1);
        try (HostileHttpServer server = new HostileHttpServer((path, out) -> {
            release.await();
            HostileHttpServer.ok(heap).write(path, out);
        }); ExecutorService callers = Executors.newFixedThreadPool(6)) {
            List<Future<PulledProfile>> fetches = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fetches.add(callers.submit(() -> fetcher.fetch(server.url("/debug/pprof/heap"), GoProfileType.HEAP)));
            }
            while (server.maxInFlight() < LIMITS.maxConcurrent()) {
                Thread.sleep(10);
            }
            Thread.sleep(300);
            release.countDown();
            for (Future<PulledProfile> fetch : fetches) {
                assertThat(fetch.get().samples()).hasSize(1);
            }
            assertThat(server.maxInFlight()).isEqualTo(LIMITS.maxConcurrent());
        }
    }
}
