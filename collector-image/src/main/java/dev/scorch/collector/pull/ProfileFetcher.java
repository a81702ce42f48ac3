package dev.scorch.collector.pull;

import dev.scorch.collector.pull.PullFailure.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetches profiles from Go programs' pprof endpoints, bounded: at most {@code maxConcurrent}
 * requests at once, a deadline for the whole exchange (a server that trickles its body is cut
 * off), a cap on the body checked while it arrives (and on the declared length before), and a
 * {@link PullFailure} with a reason for everything that goes wrong.
 */
public final class ProfileFetcher implements AutoCloseable {

    /**
     * @param connectTimeout for the TCP connection
     * @param timeout for the whole exchange, connection to last byte
     * @param maxResponseBytes cap on the (compressed) body
     * @param maxConcurrent requests in flight at once; more wait
     */
    public record Limits(Duration connectTimeout, Duration timeout, int maxResponseBytes, int maxConcurrent) {

        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(2), Duration.ofSeconds(10), 8 << 20, 4);

        public Limits {
            if (maxResponseBytes < 1 || maxConcurrent < 1 || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("fetch limits must be positive: " + maxResponseBytes + " bytes, "
                        + maxConcurrent + " concurrent, timeout " + timeout);
            }
        }
    }

    private static final int MAX_ERROR_TEXT = 200;

    private final Limits limits;
    private final PprofDecoder decoder;
    private final HttpClient client;
    private final ExecutorService clientTasks = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();

    public ProfileFetcher(Limits limits, PprofDecoder decoder) {
        this.limits = limits;
        this.decoder = decoder;
        this.inFlight = new Semaphore(limits.maxConcurrent(), true);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(limits.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                // Its own threads: with the default, a caller that blocks the common pool starves it.
                .executor(clientTasks)
                .build();
    }

    /** Fetches and decodes one profile of {@code type} from {@code url}. */
    public PulledProfile fetch(URI url, GoProfileType type) throws PullFailure, InterruptedException {
        PulledProfile profile = decoder.decode(fetchBody(url), url.toString());
        if ((type == GoProfileType.HEAP || type == GoProfileType.ALLOCS || type == GoProfileType.GODELTAPROF_HEAP)
                && profile.period() == 0) {
            throw new PullFailure(Reason.PROFILING_OFF, url + ": the program records no heap profile (runtime.MemProfileRate is 0);"
                    + " leave MemProfileRate at its default or set it above 0");
        }
        if (type == GoProfileType.MUTEX && profile.samples().isEmpty() && mutexProfilingOff(url)) {
            throw new PullFailure(Reason.PROFILING_OFF, url + ": the program records no mutex contention (its mutex profile fraction"
                    + " is 0); call runtime.SetMutexProfileFraction(n) with n > 0 in the program");
        }
        return profile;
    }

    /** The body of a 200 answer from {@code url}. */
    public byte[] fetchBody(URI url) throws PullFailure, InterruptedException {
        inFlight.acquire();
        try {
            return exchange(url);
        } finally {
            inFlight.release();
        }
    }

    /** The text debug view says {@code sampling period=0} when the fraction is 0. */
    private boolean mutexProfilingOff(URI url) throws InterruptedException {
        try {
            String text = new String(fetchBody(URI.create(url + (url.getRawQuery() == null ? "?" : "&") + "debug=1")),
                    StandardCharsets.UTF_8);
            return text.contains("sampling period=0\n");
        } catch (PullFailure e) {
            return false;
        }
    }

    private byte[] exchange(URI url) throws PullFailure, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(limits.timeout())
                .header("User-Agent", "scorch-collector")
                .GET()
                .build();
        CompletableFuture<HttpResponse<byte[]>> answer = client.sendAsync(request, info -> info.statusCode() == 200
                ? new CappedBody(limits.maxResponseBytes(), info.headers().firstValueAsLong("Content-Length").orElse(-1), false)
                : new CappedBody(MAX_ERROR_TEXT, -1, true));
        HttpResponse<byte[]> response;
        try {
            response = answer.get(limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new PullFailure(Reason.TIMEOUT, url + " did not answer completely within " + limits.timeout().toMillis()
                    + " ms; the program may be overloaded, or the port is not an HTTP server");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw classify(url, e.getCause());
        }
        if (response.statusCode() == 404) {
            throw new PullFailure(Reason.ENDPOINT_MISSING, url + " answered 404: the program serves no such profile; does it import"
                    + " net/http/pprof (or godeltaprof) and serve it on this port and path?");
        }
        if (response.statusCode() != 200) {
            throw new PullFailure(Reason.HTTP_STATUS, url + " answered HTTP " + response.statusCode() + printable(response.body()));
        }
        bytesReceived.addAndGet(response.body().length);
        answers.incrementAndGet();
        return response.body();
    }

    private PullFailure classify(URI url, Throwable cause) {
        if (cause instanceof PullFailure failure) {
            return new PullFailure(failure.reason(), url + ": " + failure.getMessage());
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new PullFailure(Reason.TIMEOUT, url + ": connecting took longer than " + limits.connectTimeout().toMillis()
                    + " ms", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new PullFailure(Reason.TIMEOUT, url + " did not answer within " + limits.timeout().toMillis() + " ms", cause);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException) {
            return new PullFailure(Reason.UNREACHABLE, url + " is unreachable (" + describe(cause)
                    + "); is the program running and listening on that address and port?", cause);
        }
        if (cause instanceof IOException) {
            return new PullFailure(Reason.NOT_PPROF, url + ": the answer broke off (" + describe(cause) + ")", cause);
        }
        return new PullFailure(Reason.NOT_PPROF, url + ": " + describe(cause), cause);
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static String printable(byte[] body) {
        StringBuilder text = new StringBuilder();
        for (byte b : body) {
            char c = (char) (b & 0xFF);
            text.append(c >= 0x20 && c < 0x7F ? c : ' ');
        }
        String trimmed = text.toString().strip();
        return trimmed.isEmpty() ? "" : ": " + trimmed;
    }

    /** Body bytes of all 200 answers so far (compressed, as received). */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** 200 answers so far. */
    public long answers() {
        return answers.get();
    }

    @Override
    public void close() {
        client.close();
        clientTasks.close();
    }

    /**
     * Collects a body up to a cap; past it (or when the declared length is past it) the exchange
     * is cancelled and fails as {@link Reason#TOO_LARGE}, so a huge answer is never held. An
     * error page is only {@code truncated} to the cap: its start is all a message needs.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int cap;
        private final long declaredLength;
        private final boolean truncate;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private byte[] bytes = new byte[8192];
        private int size;

        CappedBody(int cap, long declaredLength, boolean truncate) {
            this.cap = cap;
            this.declaredLength = declaredLength;
            this.truncate = truncate;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredLength > cap && !truncate) {
                s.cancel();
                result.completeExceptionally(tooLarge(declaredLength + " bytes declared"));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                int n = buffer.remaining();
                if ((long) size + n > cap) {
                    subscription.cancel();
                    if (truncate) {
                        buffer.limit(buffer.position() + (cap - size));
                        ensure(cap);
                        buffer.get(bytes, size, cap - size);
                        result.complete(Arrays.copyOf(bytes, cap));
                    } else {
                        result.completeExceptionally(tooLarge("more than " + cap + " bytes received"));
                    }
                    return;
                }
                ensure(size + n);
                buffer.get(bytes, size, n);
                size += n;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(Arrays.copyOf(bytes, size));
        }

        private void ensure(int needed) {
            if (needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(cap, Math.max(needed, bytes.length * 2)));
            }
        }

        private PullFailure tooLarge(String what) {
            return new PullFailure(Reason.TOO_LARGE, "the answer is too large (" + what + "; the cap is " + cap
                    + " bytes): raise the response cap or pull fewer types");
        }
    }
}
