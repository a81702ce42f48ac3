package dev.scorch.collector.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture: a real TCP server on loopback that runs a script on each connection it accepts,
 * writing raw bytes, so a test can answer in ways a well-behaved server library never would
 * (closing idle connections, trickling, lying about lengths, endless heads).
 */
public final class ScriptedServer implements AutoCloseable {

    /** What the server does with one accepted connection. */
    public interface Script {
        void run(Accepted connection) throws Exception;
    }

    /** One accepted connection; {@code index} counts connections from 0. */
    public final class Accepted {
        public final int index;
        public final Socket socket;

        Accepted(int index, Socket socket) {
            this.index = index;
            this.socket = socket;
        }

        /** Reads one request; null when the client closed the connection first. */
        public Request read() throws IOException {
            return ScriptedServer.this.read(socket);
        }

        public void write(String text) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    /** One request as it arrived: the request line, the head's lines, and the body of its Content-Length. */
    public record Request(String line, List<String> head, byte[] body) {
        public String header(String name) {
            return head.stream().filter(h -> h.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(h -> h.substring(name.length() + 1).strip()).findFirst().orElse(null);
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    public ScriptedServer(Script script) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    int index = connections.getAndIncrement();
                    Thread.ofVirtual().start(() -> {
                        try (connection) {
                            script.run(new Accepted(index, connection));
                        } catch (Exception e) {
                            // the client hung up first, as several tests make it do
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    public int connections() {
        return connections.get();
    }

    private Request read(Socket connection) throws IOException {
        InputStream in = connection.getInputStream();
        List<String> lines = new java.util.ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
            line.reset();
            if (text.isEmpty()) {
                break;
            }
            lines.add(text);
        }
        Request head = new Request(lines.getFirst(), lines.subList(1, lines.size()), new byte[0]);
        String length = head.header("Content-Length");
        Request request = new Request(head.line(), head.head(), in.readNBytes(length == null ? 0 : Integer.parseInt(length)));
        requests.add(request);
        return request;
    }

    /** A 200 answer with {@code body} and its Content-Length, kept alive. */
    public static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
