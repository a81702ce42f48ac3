package dev.scorch.collector.pull;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.protobuf.MalformedProtobufException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Decodes the pprof a Go program serves (gzipped {@code perftools.profiles.Profile}, or the bare
 * message) into a {@link PulledProfile}, as the bytes arrive: the compressed body is never held
 * whole, only counted against its cap. Hostile bodies cost an error, never the collector's heap:
 * each answer gets a {@link ParseBudget} ({@code pprof}) charged with the inflated bytes as they
 * come out of gzip (read bytes, and heap for every buffer the message grows into, since the
 * message is kept), then by {@link PprofMessage} with the heap of every object it keeps. Every
 * failure is a {@link PullFailure} naming the source and what the body looked like.
 */
public final class PprofDecoder {

    /** Per-answer limits: enough for a large Go service's heap profile (tens of thousands of stacks). */
    public static ParseBudget.Limits defaultLimits() {
        return new ParseBudget.Limits("pprof", 32L << 20, 4_000_000, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 4));
    }

    /** The first buffer a message is inflated into; it doubles from there, each size charged. */
    private static final int FIRST_BUFFER = 64 * 1024;
    private static final int PREVIEW_BYTES = 60;

    private final ParseBudget.Limits limits;

    public PprofDecoder(ParseBudget.Limits limits) {
        this.limits = limits;
    }

    /**
     * @param body the response body, gzipped or not
     * @param source names where it came from in error messages, e.g. the URL
     */
    public PulledProfile decode(byte[] body, String source) throws PullFailure {
        try {
            return decode(new ByteArrayInputStream(body), source);
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array failed", e);
        }
    }

    /**
     * Decodes a body while it is read from {@code body}, gzipped or not; the body's own cap is the
     * stream's (an HTTP response's {@code body(maxBytes)}).
     *
     * @throws PullFailure {@code too-large} past the budget, {@code not-pprof} for a body that is no profile
     * @throws IOException when reading the body fails (a broken connection, a deadline, a body past
     *     its cap), for the caller to classify
     */
    public PulledProfile decode(InputStream body, String source) throws PullFailure, IOException {
        ParseBudget budget = ParseBudget.of(limits);
        byte[] head = body.readNBytes(2);
        boolean gzip = head.length == 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B;
        byte[] message = null;
        try {
            InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), body);
            message = gzip ? inflate(whole, source, budget) : read(whole, budget);
            return PprofMessage.decode(message, budget);
        } catch (OverBudgetException e) {
            throw new PullFailure(PullFailure.Reason.TOO_LARGE, source + ": the profile is too large (" + e.getMessage()
                    + "); pull fewer types from this program or ask its owners to shrink the profile");
        } catch (MalformedProtobufException e) {
            throw new PullFailure(PullFailure.Reason.NOT_PPROF, source + " did not answer with a pprof profile ("
                    + (gzip ? "gzip holds no valid protobuf: " : "neither gzip nor valid protobuf: ") + e.getMessage()
                    + "); is it a Go net/http/pprof endpoint?" + preview(gzip ? null : message));
        }
    }

    private static byte[] inflate(InputStream body, String source, ParseBudget budget) throws IOException, PullFailure,
            OverBudgetException {
        try (InputStream in = new GZIPInputStream(body, FIRST_BUFFER)) {
            return read(in, budget);
        } catch (ZipException | EOFException e) {
            throw new PullFailure(PullFailure.Reason.NOT_PPROF, source + ": the gzip body is broken or cut off ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * The whole stream in one array, every byte charged as read and every buffer as heap: a buffer
     * and the one it grows into are both alive while it is copied.
     */
    private static byte[] read(InputStream in, ParseBudget budget) throws IOException, OverBudgetException {
        budget.heap(FIRST_BUFFER);
        byte[] buffer = new byte[FIRST_BUFFER];
        int size = 0;
        for (int n; (n = in.read(buffer, size, buffer.length - size)) >= 0; ) {
            budget.read(n);
            size += n;
            if (size == buffer.length) {
                budget.heap(2L * buffer.length);
                buffer = Arrays.copyOf(buffer, 2 * buffer.length);
            }
        }
        if (size == buffer.length) {
            return buffer;
        }
        budget.heap(size);
        return Arrays.copyOf(buffer, size);
    }

    /** The body's first bytes when they are printable, so an HTML error page is recognisable. */
    private static String preview(byte[] body) {
        if (body == null) {
            return "";
        }
        int n = Math.min(body.length, PREVIEW_BYTES);
        StringBuilder text = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = body[i] & 0xFF;
            if (c < 0x20 || c > 0x7E) {
                return "";
            }
            text.append((char) c);
        }
        return n == 0 ? " (empty body)" : " (body starts with \"" + text + "\")";
    }
}
