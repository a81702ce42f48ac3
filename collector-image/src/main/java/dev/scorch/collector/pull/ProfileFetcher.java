package dev.scorch.collector.pull;

import dev.scorch.collector.http.ConnectTimeoutException;
import dev.scorch.collector.http.DeadlineExceededException;
import dev.scorch.collector.http.Http1Client;
import dev.scorch.collector.http.HttpRequest;
import dev.scorch.collector.http.HttpResponse;
import dev.scorch.collector.http.HttpSettings;
import dev.scorch.collector.http.ResponseTooLargeException;
import dev.scorch.collector.pull.PullFailure.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches profiles from Go programs' pprof endpoints, bounded: at most {@code maxConcurrent}
 * requests at once, each also holding a slot of the node's {@link FetchBudget} (shared with every
 * other policy's fetcher) from its request until its body is decoded, or for as long as a caller
 * holds it ({@link #slot}), a deadline for the whole exchange (a server that trickles its body is
 * cut off), a body decoded as it arrives under a cap checked as it arrives (and on the declared
 * length before), and a {@link PullFailure} with a reason for everything that goes wrong. Requests
 * run on the caller's thread ({@link Http1Client}); a pod's connection is kept alive for its next
 * pull.
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
    private final FetchBudget budget;
    private final int maxBodyBytes;
    /** Kept-alive connections in all: one per pod, for the pods of a node pulled each interval. */
    private static final int IDLE_CONNECTIONS = 64;

    private final Http1Client client;
    private final Semaphore inFlight;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();

    /** A fetcher with a budget of its own, for a process that fetches for nothing else (the pull command). */
    public ProfileFetcher(Limits limits, PprofDecoder decoder) {
        this(limits, decoder, FetchBudget.own(limits.maxConcurrent(), limits.maxResponseBytes()));
    }

    /** A fetcher whose fetches hold slots of {@code budget}, decoded within its decode bound. */
    public ProfileFetcher(Limits limits, FetchBudget budget) {
        this(limits, new PprofDecoder(budget.decodeLimits()), budget);
    }

    private ProfileFetcher(Limits limits, PprofDecoder decoder, FetchBudget budget) {
        this.limits = limits;
        this.decoder = decoder;
        this.budget = budget;
        this.maxBodyBytes = Math.min(limits.maxResponseBytes(), budget.maxBodyBytes());
        this.inFlight = new Semaphore(limits.maxConcurrent(), true);
        // https (rare for a pprof port) verifies against the system roots.
        this.client = new Http1Client(new HttpSettings(limits.connectTimeout(), limits.timeout(), 1, IDLE_CONNECTIONS,
                HttpSettings.DEFAULT_IDLE_EXPIRY), () -> (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** Fetches and decodes one profile of {@code type} from {@code url}. */
    public PulledProfile fetch(URI url, GoProfileType type) throws PullFailure, InterruptedException {
        PulledProfile profile;
        inFlight.acquire();
        try (Held held = hold(url)) {
            profile = exchange(url, held.remaining(), body -> {
                PulledProfile decoded = decoder.decode(body, url.toString());
                // What gzip leaves unread (the end of a chunked body), so the connection is kept for the next pull.
                body.transferTo(OutputStream.nullOutputStream());
                return decoded;
            });
        } finally {
            inFlight.release();
        }
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
        try (Held held = hold(url)) {
            return exchange(url, held.remaining(), InputStream::readAllBytes);
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

    /** A slot of the node's budget and what is left of the fetch's timeout after waiting for it. */
    private record Held(FetchBudget.Slot slot, long deadlineNanos) implements AutoCloseable {
        Duration remaining() {
            return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
        }

        @Override
        public void close() {
            slot.close();
        }
    }

    private Held hold(URI url) throws PullFailure, InterruptedException {
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        return new Held(budget.acquire(url.toString(), limits.timeout()), deadline);
    }

    /**
     * A slot of the node's budget for the caller's whole work with one profile from {@code url}:
     * its fetch and decode, and whatever the caller makes of it (deltas, rewrite, export) until it
     * closes the slot; fetches and decodes on this thread meanwhile run within it. Waits at most
     * the fetch timeout for a free slot.
     *
     * @throws PullFailure with reason {@code node-budget} when none came free in time
     */
    public FetchBudget.Slot slot(URI url) throws PullFailure, InterruptedException {
        return budget.acquire(url.toString(), limits.timeout());
    }

    /**
     * Decodes again a profile this fetcher fetched and the collector rewrote (to re-encode it for
     * a backend of another format), holding a slot of the node's budget like a fetch.
     */
    public PulledProfile decode(byte[] pprof, String source) throws PullFailure, InterruptedException {
        try (FetchBudget.Slot slot = budget.acquire(source, limits.timeout())) {
            return decoder.decode(pprof, source);
        }
    }

    /** What a successful answer's body becomes, read from the body as it arrives. */
    private interface BodyReader<T> {
        T read(InputStream body) throws IOException, PullFailure;
    }

    private <T> T exchange(URI url, Duration timeout, BodyReader<T> reader) throws PullFailure, InterruptedException {
        HttpRequest request = HttpRequest.get(url, Map.of("User-Agent", "scorch-collector"));
        try (HttpResponse response = client.send(request, timeout)) {
            if (response.status() == 404) {
                throw new PullFailure(Reason.ENDPOINT_MISSING, url + " answered 404: the program serves no such profile; does it import"
                        + " net/http/pprof (or godeltaprof) and serve it on this port and path?");
            }
            if (response.status() != 200) {
                throw new PullFailure(Reason.HTTP_STATUS, url + " answered HTTP " + response.status()
                        + printable(response.readExcerpt(MAX_ERROR_TEXT)));
            }
            HttpResponse.CappedBody body = response.body(maxBodyBytes);
            try {
                T read = reader.read(body);
                answers.incrementAndGet();
                return read;
            } finally {
                bytesReceived.addAndGet(body.received());
            }
        } catch (IOException | IllegalArgumentException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException(url + ": interrupted");
            }
            throw classify(url, e);
        }
    }

    private PullFailure classify(URI url, Exception cause) {
        if (cause instanceof ResponseTooLargeException) {
            return new PullFailure(Reason.TOO_LARGE, url + ": " + cause.getMessage() + (maxBodyBytes < limits.maxResponseBytes()
                    ? " (the node's cap on one fetched profile, shared by every policy)" : ": raise the response cap or pull fewer types"));
        }
        if (cause instanceof ConnectTimeoutException) {
            return new PullFailure(Reason.TIMEOUT, url + ": connecting took longer than " + limits.connectTimeout().toMillis()
                    + " ms", cause);
        }
        if (cause instanceof DeadlineExceededException) {
            return new PullFailure(Reason.TIMEOUT, url + " did not answer completely within " + limits.timeout().toMillis()
                    + " ms; the program may be overloaded, or the port is not an HTTP server", cause);
        }
        if (cause instanceof SocketTimeoutException) {
            return new PullFailure(Reason.TIMEOUT, url + " did not answer within " + limits.timeout().toMillis() + " ms", cause);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException) {
            return new PullFailure(Reason.UNREACHABLE, url + " is unreachable (" + describe(cause)
                    + "); is the program running and listening on that address and port?", cause);
        }
        if (cause instanceof IOException) {
            return new PullFailure(Reason.NOT_PPROF, url + ": the answer broke off or is not HTTP (" + describe(cause) + ")", cause);
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
    }
}
