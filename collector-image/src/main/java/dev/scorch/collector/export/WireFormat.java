package dev.scorch.collector.export;

import dev.scorch.collector.profile.OtlpProfilesEncoder;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.SharedEncodings;

/**
 * The encodings backends take. Each is written straight from the in-memory {@link CpuProfile},
 * once per profile however many backends take it, before the profile is queued: a spool holds
 * the bytes its backend sends, so nothing is decoded again on the way out.
 */
public enum WireFormat {

    /** A gzipped pprof {@code Profile}: Parca, Pyroscope and the directory backend. */
    GZIPPED_PPROF {
        @Override
        public byte[] encode(CpuProfile profile, String profileId) {
            return profile.toGzippedPprof();
        }

        @Override
        public byte[] encode(CpuProfile profile, String profileId, SharedEncodings shared) {
            return shared.gzippedPprof(profile);
        }
    },

    /** An OTLP {@code ExportProfilesServiceRequest} (profiles signal, v1development). */
    OTLP_PROFILES {
        @Override
        public byte[] encode(CpuProfile profile, String profileId) {
            return OtlpProfilesEncoder.encode(profile, profileId);
        }

        @Override
        public byte[] encode(CpuProfile profile, String profileId, SharedEncodings shared) {
            return shared.otlpRequest(profile, profileId);
        }
    };

    /**
     * The profile in this format.
     *
     * @param profileId the exported profile's stable id, which formats with a profile id derive it from
     */
    public abstract byte[] encode(CpuProfile profile, String profileId);

    /**
     * The profile in this format, the parts that carry no labels encoded once for every profile of
     * the same tables in one round (policies selecting the same container).
     */
    public abstract byte[] encode(CpuProfile profile, String profileId, SharedEncodings shared);
}
