package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1 for servers the test environment starts. */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * A port the kernel just handed out on loopback and that is free again now. Another process
     * could take it before the caller binds it; the servers here fail fast on a taken port and
     * the caller's start then fails with that server's log.
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
