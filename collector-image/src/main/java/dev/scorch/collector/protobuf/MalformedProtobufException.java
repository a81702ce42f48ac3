package dev.scorch.collector.protobuf;

import java.io.IOException;

/** Bytes that are not a well-formed protocol buffer message; the message names what and where. */
public final class MalformedProtobufException extends IOException {

    public MalformedProtobufException(String message) {
        super(message);
    }
}
