package dev.scorch.collector.http;

import java.net.SocketTimeoutException;

/** The TCP connection was not established within the connect timeout. */
public final class ConnectTimeoutException extends SocketTimeoutException {
    public ConnectTimeoutException(String message) {
        super(message);
    }
}
