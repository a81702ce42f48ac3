package dev.scorch.collector.http;

import java.io.IOException;

/** The server answered something that is not a well-formed HTTP/1.x response, or exceeds its bounds. */
public final class MalformedResponseException extends IOException {
    public MalformedResponseException(String message) {
        super(message);
    }
}
