package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * The TLS socket factory of each TLS setting, shared by every backend that uses it: a TLS context
 * holds its trust store and session cache, which twenty policies' backends need only once. A CA
 * bundle is part of the key by content, so a rotated bundle is read at the next new connection and
 * gets a context of its own. Thread-safe.
 */
final class TlsSocketFactories {

    /** More distinct settings than this on one node are rare; the least recently used context is dropped. */
    private static final int MAX_CONTEXTS = 16;

    private record Key(BackendConfig.Tls tls, String caBundle) {}

    private static final Map<Key, SSLSocketFactory> FACTORIES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, SSLSocketFactory> eldest) {
            return size() > MAX_CONTEXTS;
        }
    };

    private TlsSocketFactories() {}

    /**
     * @throws IllegalArgumentException naming the bundle when the TLS settings are unusable
     */
    static synchronized SSLSocketFactory forConfig(BackendConfig.Tls tls) {
        return FACTORIES.computeIfAbsent(new Key(tls, caBundle(tls)), key -> TlsContexts.forConfig(tls).getSocketFactory());
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
            throw new IllegalArgumentException("CA bundle " + tls.caFile().get() + " cannot be read: " + e, e);
        }
    }
}
