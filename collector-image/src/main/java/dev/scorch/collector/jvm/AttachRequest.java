package dev.scorch.collector.jvm;

import dev.scorch.collector.jvm.HotSpotAttach.AttachException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One request to a HotSpot attach listener on its UNIX socket, protocol 1:
 * {@code "1" NUL command NUL arg1 NUL arg2 NUL arg3 NUL}; the reply starts with a result code line.
 */
final class AttachRequest {
    private static final int MAX_REPLY_BYTES = 64 << 10;
    private static final long CONNECT_RETRY_MILLIS = 10;
    /**
     * How long a socket may refuse connections before it counts as having no listener: a listener
     * being started again closes the old one just before it replaces the file.
     */
    private static final long NO_LISTENER_NANOS = 500_000_000L;

    /** The socket refuses every connection: no listener is behind it (a socket left by a JVM that was killed). */
    static final class NoListenerException extends Exception {
        NoListenerException(Path socket) {
            super("no listener behind " + socket);
        }
    }

    private final Duration timeout;

    AttachRequest(Duration timeout) {
        this.timeout = timeout;
    }

    /** Writes one protocol-1 request and reads the reply within the timeout. */
    String send(Path socket, String command, String argument) throws AttachException, NoListenerException {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicReference<SocketChannel> open = new AtomicReference<>();
        CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel channel = connect(socket, deadline, open)) {
                byte[] request = ("1\0" + command + "\0" + argument + "\0\0\0").getBytes(StandardCharsets.UTF_8);
                channel.write(ByteBuffer.wrap(request));
                try (InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
                    return new String(in.readNBytes(MAX_REPLY_BYTES), StandardCharsets.UTF_8);
                }
            } catch (NoListenerException e) {
                throw new CompletionException(e);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted while connecting", e);
            }
        }, Thread::startVirtualThread);
        String text;
        try {
            text = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeQuietly(open.get());
            throw new AttachException("timeout", "no reply from the attach socket within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoListenerException noListener) {
                throw noListener;
            }
            // Connection reset, broken pipe: the exchange failed, not the JVM's answer; a later request may get through.
            throw new AttachException("socket_error", "the exchange on the attach socket failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(open.get());
            throw new AttachException("interrupted", "interrupted while waiting for the attach reply");
        }
        int newline = text.indexOf('\n');
        String code = (newline < 0 ? text : text.substring(0, newline)).trim();
        if (!code.equals("0")) {
            throw new AttachException("refused", "the JVM answered " + (code.isEmpty() ? "nothing" : "code " + code) + ": "
                    + text.substring(newline < 0 ? text.length() : newline + 1).strip());
        }
        String output = text.substring(newline + 1);
        // jcmd reports an unknown command (JDK < 17 has no Compiler.perfmap) in its output, with code 0.
        if (output.contains("Unknown diagnostic command") || output.contains("java.lang.IllegalArgumentException")) {
            throw new AttachException("unsupported", "the JVM does not know " + argument + ": " + output.strip());
        }
        return output;
    }

    /**
     * Connects to the attach socket, trying again until {@code deadline} while the listener turns
     * connections away: its backlog is a few connections, so other attachers' requests at the same
     * moment fill it (EAGAIN), and a listener being started again refuses them.
     */
    private static SocketChannel connect(Path socket, long deadline, AtomicReference<SocketChannel> open)
            throws IOException, InterruptedException, NoListenerException {
        long refusedSince = 0;
        boolean refusing = false;
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            open.set(channel);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return channel;
            } catch (IOException e) {
                closeQuietly(channel);
                long now = System.nanoTime();
                boolean refused = e instanceof ConnectException;
                if (refused && !refusing) {
                    refusedSince = now;
                }
                refusing = refused;
                if (refused && now - refusedSince > NO_LISTENER_NANOS) {
                    throw new NoListenerException(socket);
                }
                if (now - deadline > 0) {
                    throw e;
                }
                Thread.sleep(CONNECT_RETRY_MILLIS);
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written we need
        }
    }
}
