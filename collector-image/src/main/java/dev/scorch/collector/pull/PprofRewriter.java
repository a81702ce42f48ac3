package dev.scorch.collector.pull;

import dev.scorch.collector.protobuf.ProtobufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a pulled profile back as gzipped pprof with other sample values (per-interval deltas):
 * the sample types, locations, functions, mappings, string table and every other field the
 * program wrote are copied byte for byte; only the samples, the time and the duration are new.
 * So what a backend or {@code go tool pprof} sees is the program's own profile, rescoped to the
 * interval.
 */
public final class PprofRewriter {

    // perftools.profiles.Profile field numbers (google/pprof proto/profile.proto)
    private static final int SAMPLE = 2;
    private static final int TIME_NANOS = 9;
    private static final int DURATION_NANOS = 10;

    private PprofRewriter() {}

    /** A sample to write: one of the profile's samples with new values. */
    public record RewrittenSample(PulledProfile.Sample sample, long[] values) {}

    /**
     * @param profile the profile whose tables are kept
     * @param samples the samples to write, each with one value per sample type
     * @param timeNanos start of the interval, ns since the epoch
     * @param durationNanos length of the interval
     */
    public static byte[] gzipped(PulledProfile profile, List<RewrittenSample> samples, long timeNanos, long durationNanos) {
        ProtobufWriter w = new ProtobufWriter(profile.encoded().length + 1024);
        int[] kept = profile.keptFields();
        for (int i = 0; i < kept.length; i += 2) {
            w.encodedFields(profile.encoded(), kept[i], kept[i + 1]);
        }
        for (RewrittenSample s : samples) {
            w.beginMessage(SAMPLE);
            w.packedVarints(1, s.sample().locationIds());
            w.packedVarints(2, s.values());
            byte[] labels = s.sample().labelFields();
            w.encodedFields(labels, 0, labels.length);
            w.endMessage();
        }
        w.varint(TIME_NANOS, timeNanos);
        w.varint(DURATION_NANOS, durationNanos);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, w.size() / 4));
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            w.writeTo(gzip);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip into memory failed", e);
        }
        return out.toByteArray();
    }
}
