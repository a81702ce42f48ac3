package dev.scorch.collector.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (200 when the condition would be True,
 * 503 with the reason otherwise) and {@code /metrics} (Prometheus text).
 */
public final class HealthServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("health-http").factory());

    /**
     * @param port 0 picks a free port
     * @param condition the condition as last evaluated (null before the first evaluation)
     */
    public HealthServer(int port, Supplier<CollectingCondition> condition, CollectorMetrics metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 16);
        server.setExecutor(executor);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", exchange -> {
            CollectingCondition current = condition.get();
            if (current != null && current.status()) {
                respond(exchange, 200, "text/plain", current.reason() + "\n");
            } else {
                respond(exchange, 503, "text/plain",
                        current == null ? "Starting\n" : current.reason() + ": " + current.message() + "\n");
            }
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    }

    public HealthServer start() {
        server.start();
        return this;
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
