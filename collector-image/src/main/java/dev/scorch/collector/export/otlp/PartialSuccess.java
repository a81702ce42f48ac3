package dev.scorch.collector.export.otlp;

import dev.scorch.collector.protobuf.MalformedProtobufException;
import dev.scorch.collector.protobuf.ProtobufReader;

/**
 * The {@code partial_success} of an OTLP {@code ExportProfilesServiceResponse}: how many profiles
 * the receiver rejected and why. An empty answer is full success.
 */
record PartialSuccess(long rejectedProfiles, String errorMessage) {

    private static final int RESPONSE_PARTIAL_SUCCESS = 1;
    private static final int PARTIAL_REJECTED_PROFILES = 1;
    private static final int PARTIAL_ERROR_MESSAGE = 2;

    /** @throws MalformedProtobufException when {@code response} is not a well-formed message */
    static PartialSuccess of(byte[] response) throws MalformedProtobufException {
        long rejected = 0;
        String message = "";
        ProtobufReader outer = ProtobufReader.of(response);
        while (outer.next()) {
            if (outer.field() == RESPONSE_PARTIAL_SUCCESS && outer.wireType() == ProtobufReader.WIRE_LENGTH_DELIMITED) {
                ProtobufReader inner = outer.message();
                while (inner.next()) {
                    if (inner.field() == PARTIAL_REJECTED_PROFILES && inner.wireType() == ProtobufReader.WIRE_VARINT) {
                        rejected = inner.varint();
                    } else if (inner.field() == PARTIAL_ERROR_MESSAGE && inner.wireType() == ProtobufReader.WIRE_LENGTH_DELIMITED) {
                        message = inner.string();
                    }
                }
            }
        }
        return new PartialSuccess(rejected, message);
    }
}
