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
        Pprof shared = pprof.get(profile.samples());
        if (shared == null) {
            shared = new Pprof();
            pprof.put(profile.samples(), shared);
            byte[] encoded = PprofEncoder.gzipped(profile, shared);
            bytes += 64 + shared.body.length;
            return encoded;
        }
        return PprofEncoder.gzipped(profile, shared);
    }

    /**
     * The OTLP request of {@code profile}, its dictionary and samples encoded once for every profile
     * of its tables (which share the interval and period too: they are part of a round's content).
     */
    public byte[] otlpRequest(CpuProfile profile, String profileId) {
        OtlpProfilesEncoder encoder = otlp.get(profile.samples());
        if (encoder == null) {
            encoder = new OtlpProfilesEncoder(ValuedProfile.of(profile));
            otlp.put(profile.samples(), encoder);
            bytes += encoder.estimatedBytes();
        }
        return encoder.write(profile.labels(), profileId);
    }

    /**
     * About what the shared parts hold. Not the requests written: those go to the backends, and
     * counting them made a round of twenty policies pass its bound and resolve everything again
     * for the policies after that point (bench/policies.sh, docs/benchmarks.md).
     */
    long estimatedBytes() {
        return bytes;
    }
}
