package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The collector's HTTP clients: one per TLS setting, shared by every backend that uses it, with
 * virtual threads for its work. A client of its own per backend cost a selector thread and a pool
 * of worker threads each: with 20 policies of two network backends, 150 threads and 16 MiB of
 * thread stacks (bench/soak.sh). Requests and their timeouts stay per backend; connections are
 * pooled per host by the client anyway. Thread-safe.
 */
final class SharedHttpClients {

    /** A CA bundle is part of the key by content, so a rotated bundle gets a client of its own. */
    private record Key(BackendConfig.Tls tls, String caBundle, Duration connectTimeout) {}

    private static final class Shared {
        final HttpClient client;
        int users;

        Shared(HttpClient client) {
            this.client = client;
        }
    }

    private static final Map<Key, Shared> CLIENTS = new HashMap<>();

    private SharedHttpClients() {}

    /**
     * A client for {@code tls}, to be given back with {@link #release} when the backend closes.
     *
     * @throws IllegalArgumentException naming the bundle when the TLS settings are unusable
     */
    static synchronized HttpClient acquire(BackendConfig.Tls tls, Duration connectTimeout) {
        Key key = new Key(tls, caBundle(tls), connectTimeout);
        Shared shared = CLIENTS.get(key);
        if (shared == null) {
            shared = new Shared(HttpClient.newBuilder()
                    .connectTimeout(connectTimeout)
                    .sslContext(TlsContexts.forConfig(tls))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build());
            CLIENTS.put(key, shared);
        }
        shared.users++;
        return shared.client;
    }

    /** One backend fewer uses {@code client}; the last one shuts it down. */
    static void release(HttpClient client) {
        HttpClient unused = null;
        synchronized (SharedHttpClients.class) {
            for (var entry = CLIENTS.entrySet().iterator(); entry.hasNext(); ) {
                Shared shared = entry.next().getValue();
                if (shared.client == client && --shared.users == 0) {
                    entry.remove();
                    unused = client;
                }
            }
        }
        if (unused != null) {
            unused.shutdownNow();
        }
    }

    private static String caBundle(BackendConfig.Tls tls) {
        if (tls.insecureSkipVerify() || tls.caFile().isEmpty()) {
            return "";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tls.caFile().get())));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        } catch (IOException e) {
            // TlsContexts names the bundle and the problem when it builds the context.
            throw new IllegalArgumentException("CA bundle " + tls.caFile().get() + " cannot be read: " + e,
                    new UncheckedIOException(e));
        }
    }
}
