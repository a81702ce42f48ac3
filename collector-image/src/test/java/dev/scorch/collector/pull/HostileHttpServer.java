package dev.scorch.collector.pull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture: a real HTTP/1.1 server on loopback that answers every request with whatever bytes
 * a test writes on the raw socket, so answers can be broken in ways a well-behaved server library
 * would refuse to produce (cut off, trickled, lying about their length).
 */
final class HostileHttpServer implements AutoCloseable {

    /** Writes the whole answer, status line included, to a request for {@code path}. */
    interface Answer {
        void write(String path, OutputStream out) throws Exception;
    }

    private final ServerSocket socket;
    private final Thread acceptor;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    HostileHttpServer(Answer answer) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().name("hostile-http").start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    Thread.ofVirtual().start(() -> serve(connection, answer));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(Socket connection, Answer answer) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (connection) {
            InputStream in = connection.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            OutputStream out = connection.getOutputStream();
            answer.write(requestLine.split(" ")[1], out);
            out.flush();
        } catch (Exception e) {
            // The client hung up first: expected for the answers that are cut off.
        } finally {
            inFlight.decrementAndGet();
        }
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    /** The most requests this server ever had open at once. */
    int maxInFlight() {
        return maxInFlight.get();
    }

    static byte[] head(int status, String reason, long contentLength) {
        return ("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/octet-stream\r\n"
                + (contentLength >= 0 ? "Content-Length: " + contentLength + "\r\n" : "")
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static Answer ok(byte[] body) {
        return (path, out) -> {
            out.write(head(200, "OK", body.length));
            out.write(body);
        };
    }

    @Override
    public void close() throws IOException {
        socket.close();
        acceptor.interrupt();
    }
}
