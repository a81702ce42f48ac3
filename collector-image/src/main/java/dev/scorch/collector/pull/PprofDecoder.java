package dev.scorch.collector.pull;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.protobuf.MalformedProtobufException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Decodes the pprof a Go program serves (gzipped {@code perftools.profiles.Profile}, or the bare
 * message) into a {@link PulledProfile}. Hostile bodies cost an error, never the collector's heap:
 * each answer gets a {@link ParseBudget} ({@code pprof}) charged with the inflated bytes as they
 * come out of gzip, then by {@link PprofMessage} with the heap of every object it keeps. Every
 * failure is a {@link PullFailure} naming the source and what the body looked like.
 */
public final class PprofDecoder {

    /** Per-answer limits: enough for a large Go service's heap profile (tens of thousands of stacks). */
    public static ParseBudget.Limits defaultLimits() {
        return new ParseBudget.Limits("pprof", 32L << 20, 4_000_000, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 4));
    }

    private final ParseBudget.Limits limits;

    public PprofDecoder(ParseBudget.Limits limits) {
        this.limits = limits;
    }

    /**
     * @param body the response body, gzipped or not
     * @param source names where it came from in error messages, e.g. the URL
     */
    public PulledProfile decode(byte[] body, String source) throws PullFailure {
        ParseBudget budget = ParseBudget.of(limits);
        try {
            byte[] message = isGzip(body) ? inflate(body, source, budget) : body;
            if (message == body) {
                budget.read(body.length);
            }
            return PprofMessage.decode(message, budget);
        } catch (OverBudgetException e) {
            throw new PullFailure(PullFailure.Reason.TOO_LARGE, source + ": the profile is too large (" + e.getMessage()
                    + "); pull fewer types from this program or ask its owners to shrink the profile");
        } catch (MalformedProtobufException e) {
            throw new PullFailure(PullFailure.Reason.NOT_PPROF, source + " did not answer with a pprof profile ("
                    + (isGzip(body) ? "gzip holds no valid protobuf: " : "neither gzip nor valid protobuf: ") + e.getMessage()
                    + "); is it a Go net/http/pprof endpoint?" + preview(body));
        }
    }

    private static byte[] inflate(byte[] body, String source, ParseBudget budget) throws PullFailure, OverBudgetException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 64 * 1024)) {
            ByteArrayOutputStream inflated = new ByteArrayOutputStream(Math.max(1024, body.length * 4));
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = in.read(chunk)) > 0; ) {
                budget.read(n);
                inflated.write(chunk, 0, n);
            }
            return inflated.toByteArray();
        } catch (OverBudgetException e) {
            throw e;
        } catch (IOException e) {
            throw new PullFailure(PullFailure.Reason.NOT_PPROF, source + ": the gzip body is broken or cut off ("
                    + e.getMessage() + ")", e);
        }
    }

    private static boolean isGzip(byte[] body) {
        return body.length >= 2 && (body[0] & 0xFF) == 0x1F && (body[1] & 0xFF) == 0x8B;
    }

    /** The body's first bytes when they are printable, so an HTML error page is recognisable. */
    private static String preview(byte[] body) {
        int n = Math.min(body.length, 60);
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
