package dev.scorch.collector.export;

import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfile.ProfileFunction;
import dev.scorch.collector.profile.CpuProfile.ProfileLocation;
import dev.scorch.collector.profile.CpuProfile.ProfileMapping;
import dev.scorch.collector.profile.CpuProfile.ProfileSample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    /**
     * A symbolized profile as the collector builds one: {@code main.scorchHotLoop} called from
     * {@code main.main} in {@code /app/shop} (build id {@link #BUILD_ID}) for 90 samples, {@code
     * main.main} alone for 10, at 100 Hz over 15 s.
     */
    public static CpuProfile hotLoop(java.util.SortedMap<String, String> labels) {
        return new CpuProfile(labels, Instant.parse("2026-11-21T22:00:00Z"), Duration.ofSeconds(15), 10_000_000L,
                List.of(new ProfileMapping(0x400000, 0x500000, 0, "/app/shop", BUILD_ID, true)),
                List.of(new ProfileLocation(1, 0x401234, new long[] {1}, new long[] {0}),
                        new ProfileLocation(1, 0x400100, new long[] {2}, new long[] {0})),
                List.of(new ProfileFunction(HOT_FUNCTION, HOT_FUNCTION, "/src/shop/main.go"),
                        new ProfileFunction("main.main", "main.main", "/src/shop/main.go")),
                List.of(new ProfileSample(new long[] {1, 2}, 90, List.of()), new ProfileSample(new long[] {2}, 10, List.of())),
                List.of());
    }

    /** {@code profile} as a backend taking {@code format} receives it. */
    public static ExportedProfile encoded(CpuProfile profile, WireFormat format) {
        String id = UUID.randomUUID().toString();
        return new ExportedProfile(id, profile.labels(), profile.start(), profile.duration(), format.encode(profile, id));
    }

    /** The GNU build id of {@link #hotLoop}'s mapping. */
    public static final String BUILD_ID = "5f0c3a9e7d1b2468ace013579bdf2468ace01357";

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
