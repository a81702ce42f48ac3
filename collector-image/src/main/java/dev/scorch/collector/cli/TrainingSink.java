package dev.scorch.collector.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The class-data training's OTLP and Pyroscope endpoint ({@link ClassDataTraining}): a listener on
 * the loopback interface that answers every HTTP/1.1 request with 200 and no body, so the
 * collector's HTTP client and delivery go through a whole exchange in an image build, where no
 * backend is reachable.
 */
final class TrainingSink {
    private final ServerSocket socket;

    private TrainingSink(ServerSocket socket) {
        this.socket = socket;
    }

    static TrainingSink start() throws IOException {
        TrainingSink sink = new TrainingSink(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread.ofPlatform().daemon().name("training-sink").start(sink::acceptEvery);
        return sink;
    }

    int port() {
        return socket.getLocalPort();
    }

    private void acceptEvery() {
        while (true) {
            try {
                Socket connection = socket.accept();
                Thread.ofVirtual().start(() -> answer(connection));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket connection) {
        try (connection; InputStream in = new BufferedInputStream(connection.getInputStream());
                OutputStream out = connection.getOutputStream()) {
            String head;
            while (!(head = readHead(in)).isEmpty()) {
                String lower = head.toLowerCase(Locale.ROOT);
                if (lower.contains("transfer-encoding: chunked")) {
                    skipChunks(in);
                } else {
                    int at = lower.indexOf("content-length:");
                    if (at >= 0) {
                        in.skipNBytes(Long.parseLong(lower.substring(at + 15, lower.indexOf('\r', at)).trim()));
                    }
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // The client closed or cut the connection.
        }
    }

    /** The request's line and headers up to the blank line; empty at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        return "";
    }

    private static void skipChunks(InputStream in) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.append((char) b);
            }
            int size = Integer.parseInt(line.toString().trim().split(";")[0], 16);
            in.skipNBytes(size + 2L);
            if (size == 0) {
                return;
            }
        }
    }
}
