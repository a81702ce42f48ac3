package dev.scorch.collector.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The class-data training's peers ({@link ClassDataTraining}): a listener on the loopback
 * interface that answers every HTTP/1.1 request, so the collector's HTTP client, TLS, watches and
 * delivery go through whole exchanges in an image build, where no backend or API server is
 * reachable. As the OTLP and Pyroscope endpoint it answers every request with 200 and no body; as
 * the API server ({@link #startApi}, over TLS) it answers with what {@link TrainingApi} serves.
 *
 * <pre>java -cp scorch-collector.jar dev.scorch.collector.cli.TrainingSink DIR</pre>
 *
 * runs both for the training, in a JVM of their own, with the API server's key from {@code
 * DIR/ca.p12} (password {@value #KEYS_PASSWORD}), writes their ports to {@code DIR/}{@value #PORTS}
 * and serves until killed. {@code SCORCH_NODE_NAME} names the node it serves.
 */
final class TrainingSink {
    /** The file in DIR holding "{@code <backends' port> <API server's port>}". */
    static final String PORTS = "peers";
    /** The password of DIR/ca.p12, which jlink-runtime.sh writes with keytool. */
    static final String KEYS_PASSWORD = "training";
    private static final byte[] EMPTY = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket socket;
    /** A request's head (line and headers) to the JSON to answer with; empty: hold the request open as a watch. */
    private final Function<String, Optional<String>> answers;

    private TrainingSink(ServerSocket socket, Function<String, Optional<String>> answers) {
        this.socket = socket;
        this.answers = answers;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TrainingSink DIR   (DIR holds ca.p12)");
            System.exit(Main.USAGE);
        }
        Path dir = Path.of(args[0]);
        String node = Optional.ofNullable(System.getenv("SCORCH_NODE_NAME")).orElse("training");
        TrainingSink sink = start();
        TrainingSink api = startApi(serverTls(dir.resolve("ca.p12")), new TrainingApi(node));
        Path written = Files.writeString(dir.resolve(PORTS + ".tmp"), sink.port() + " " + api.port() + "\n");
        Files.move(written, dir.resolve(PORTS), StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }

    /** The API server's TLS: the key and certificate (for 127.0.0.1) in the PKCS#12 file {@code keys}. */
    private static SSLContext serverTls(Path keys) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keys)) {
            store.load(in, KEYS_PASSWORD.toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, KEYS_PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(factory.getKeyManagers(), null, null);
        return tls;
    }

    /** The backends' endpoint: 200 and no body to every request. */
    static TrainingSink start() throws IOException {
        return start(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), head -> Optional.of(""));
    }

    /** The API server's endpoint, over TLS with {@code tls}'s key. */
    static TrainingSink startApi(SSLContext tls, TrainingApi api) throws IOException {
        return start(tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()), api::answer);
    }

    private static TrainingSink start(ServerSocket socket, Function<String, Optional<String>> answers) {
        TrainingSink sink = new TrainingSink(socket, answers);
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
                Optional<String> json = answers.apply(head);
                if (json.isEmpty()) {
                    // A watch: its events never come; the client ends it by closing.
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.transferTo(OutputStream.nullOutputStream());
                    return;
                }
                if (json.get().isEmpty()) {
                    out.write(EMPTY);
                } else {
                    byte[] body = json.get().getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                }
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
