package dev.scorch.collector.export.otlp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.protobuf.MalformedProtobufException;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesPartialSuccess;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Any OTLP response body is read or refused with {@link MalformedProtobufException}, nothing else. */
class PartialSuccessFuzzTest {

    static void read(byte[] bytes) {
        try {
            PartialSuccess.of(bytes);
        } catch (MalformedProtobufException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // the refusal HostileInputs expects
        }
    }

    @FuzzTest(maxDuration = "1m")
    void anyResponseIsReadOrRefused(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        try {
            read(bytes);
        } catch (IllegalArgumentException refused) {
            // a malformed answer: the send fails with a message, the collector goes on
        }
    }

    @Test
    void mutantsOfAPartialSuccessAreReadOrRefused() {
        byte[] answer = ExportProfilesServiceResponse.newBuilder().setPartialSuccess(
                ExportProfilesPartialSuccess.newBuilder().setRejectedProfiles(2).setErrorMessage("unsupported revision")).build().toByteArray();
        HostileInputs.survive(HostileInputs.mutants(List.of(answer), 300, 31), 32L << 20, PartialSuccessFuzzTest::read,
                IllegalArgumentException.class);
    }
}
