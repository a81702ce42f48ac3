package dev.scorch.collector.http;

import java.net.SocketTimeoutException;

/** The whole exchange, connection to last byte, took longer than its deadline and was cut off. */
public final class DeadlineExceededException extends SocketTimeoutException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
