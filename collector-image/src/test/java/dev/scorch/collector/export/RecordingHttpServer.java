package dev.scorch.collector.export;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * An HTTP server on loopback that records every request and answers with what the test sets:
 * it plays a backend's HTTP surface so a test can check the exact bytes and headers an exporter
 * sends, over which connections, and how it reacts to the backend's answers. Plain HTTP, or HTTPS
 * with a test certificate ({@link #https}).
 */
public final class RecordingHttpServer implements AutoCloseable {

    /** One request as it arrived, and the client's port: requests over one connection share it. */
    public record Request(String method, String path, Map<String, List<String>> headers, byte[] body, int clientPort) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }
    }

    /** What to answer. */
    public record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
        public static Answer ok(String contentType) {
            return new Answer(200, contentType, new byte[0], Map.of());
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final AtomicReference<Answer> answer;
    private final HttpServer server;
    private final String scheme;

    /** A plain HTTP backend. */
    public RecordingHttpServer(Answer initial) {
        this(plain(), "http", initial);
    }

    private RecordingHttpServer(HttpServer server, String scheme, Answer initial) {
        this.server = server;
        this.scheme = scheme;
        this.answer = new AtomicReference<>(initial);
        server.createContext("/", this::handle);
        server.start();
    }

    /** An HTTPS backend presenting {@code certificate}. */
    public static RecordingHttpServer https(SelfSignedCertificate certificate, Answer initial) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(certificate.keyManagers(), null, null);
        HttpsServer server = HttpsServer.create(loopback(), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new RecordingHttpServer(server, "https", initial);
    }

    private static HttpServer plain() {
        try {
            return HttpServer.create(loopback(), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    public URI baseUrl() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                Map.copyOf(exchange.getRequestHeaders()), body, exchange.getRemoteAddress().getPort()));
        Answer a = answer.get();
        if (a.contentType() != null) {
            exchange.getResponseHeaders().add("Content-Type", a.contentType());
        }
        a.headers().forEach(exchange.getResponseHeaders()::add);
        exchange.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
        if (a.body().length > 0) {
            exchange.getResponseBody().write(a.body());
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
