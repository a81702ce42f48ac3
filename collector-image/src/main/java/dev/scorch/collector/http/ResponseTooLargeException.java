package dev.scorch.collector.http;

import java.io.IOException;

/** A response body larger than the caller accepts; it was refused as it arrived (or as declared), never held. */
public final class ResponseTooLargeException extends IOException {
    public ResponseTooLargeException(String message) {
        super(message);
    }
}
