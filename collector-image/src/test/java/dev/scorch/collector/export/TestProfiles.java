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
