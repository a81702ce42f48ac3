package dev.scorch.collector.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/** Profiles for delivery tests whose content does not matter, only identity and size. */
public final class TestProfiles {

    private TestProfiles() {}

    /** A profile whose payload is {@code payloadBytes} gzipped bytes, labelled with its sequence. */
    public static ExportedProfile numbered(int sequence, int payloadBytes) {
        var labels = new TreeMap<String, String>();
        labels.put("service_name", "shop/api");
        labels.put("seq", Integer.toString(sequence));
        byte[] payload = new byte[payloadBytes];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (sequence * 31 + i);
        }
        return new ExportedProfile(UUID.randomUUID().toString(), labels,
                Instant.parse("2026-11-21T22:00:00Z").plusSeconds(sequence), Duration.ofSeconds(15), payload);
    }

    /**
     * A real CPU profile: Go's profiler recording a program that burns CPU in
     * {@code main.scorchHotLoop} (captured by hack/capture-test-pprof.sh), under the given labels.
     */
    public static ExportedProfile goHotLoop(java.util.SortedMap<String, String> labels) {
        try (var in = TestProfiles.class.getResourceAsStream("go-cpu-hotloop.pb.gz")) {
            return new ExportedProfile(UUID.randomUUID().toString(), labels, Instant.now().minusSeconds(15),
                    Duration.ofSeconds(15), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The function Go's profiler saw on top of {@link #goHotLoop}. */
    public static final String HOT_FUNCTION = "main.scorchHotLoop";

    public static int sequenceOf(ExportedProfile profile) {
        return Integer.parseInt(profile.labels().get("seq"));
    }

    public static byte[] gzip(byte[] raw) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
