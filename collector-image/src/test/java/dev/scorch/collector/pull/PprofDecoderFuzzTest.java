package dev.scorch.collector.pull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.fuzz.HostileInputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Any pprof response body a pulled endpoint sends, plain or gzipped, is decoded within its limits
 * or refused with a {@link PullFailure}, never another exception.
 */
class PprofDecoderFuzzTest {

    private static final PprofDecoder DECODER = new PprofDecoder(PprofDecoder.defaultLimits());

    static void decode(byte[] message) throws PullFailure {
        try {
            DECODER.decode(message, "fuzz");
        } catch (PullFailure refused) {
            // refused as a whole; now the same bytes as the gzipped body a Go server sends
        }
        DECODER.decode(TestProfiles.gzip(message), "fuzz");
    }

    @FuzzTest(maxDuration = "1m")
    void anyBodyIsDecodedOrRefused(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        try {
            decode(bytes);
        } catch (PullFailure refused) {
            // the expected failure
        }
    }

    @Test
    void mutantsOfAGoCpuProfileAreDecodedOrRefused() throws IOException {
        byte[] gzipped = TestProfiles.goHotLoop(new TreeMap<>()).payload();
        byte[] raw;
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            raw = in.readAllBytes();
        }
        HostileInputs.survive(HostileInputs.mutants(List.of(raw), 200, 71), 256L << 20, PprofDecoderFuzzTest::decode, PullFailure.class);
    }
}
