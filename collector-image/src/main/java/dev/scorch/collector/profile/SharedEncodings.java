package dev.scorch.collector.profile;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Encodings that profiles of the same tables share within one round: policies that select the same
 * container get the same tables from {@link CpuProfileBuilder} and differ only in their labels, so
 * what does not carry labels (pprof's body, OTLP's dictionary) is encoded once. Keyed by the
 * identity of the profile's sample list, which a round hands every profile of the same content.
 * Not thread-safe: one thread encodes a round's profiles.
 */
public final class SharedEncodings {

    /** The gzipped pprof body and how many strings its table holds. */
    static final class Pprof {
        byte[] body;
        int strings;
    }

    private final Map<Object, Pprof> pprof = new IdentityHashMap<>();
    private final Map<Object, OtlpProfilesEncoder> otlp = new IdentityHashMap<>();
    private long bytes;

    /** The gzipped pprof of {@code profile}, its body compressed once for every profile of its tables. */
    public byte[] gzippedPprof(CpuProfile profile) {
        byte[] encoded = PprofEncoder.gzipped(profile, pprof.computeIfAbsent(profile.samples(), samples -> new Pprof()));
        bytes += encoded.length;
        return encoded;
    }

    /**
     * The OTLP request of {@code profile}, its dictionary and samples encoded once for every profile
     * of its tables (which share the interval and period too: they are part of a round's content).
     */
    public byte[] otlpRequest(CpuProfile profile, String profileId) {
        byte[] encoded = otlp.computeIfAbsent(profile.samples(), samples -> new OtlpProfilesEncoder(ValuedProfile.of(profile)))
                .write(profile.labels(), profileId);
        bytes += encoded.length;
        return encoded;
    }

    /** About what the shared parts hold: no more than the requests written so far. */
    long estimatedBytes() {
        return bytes;
    }
}
