package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Builds the TLS context a backend's {@code tls} block asks for. */
public final class TlsContexts {

    private TlsContexts() {}

    /**
     * The system roots, a custom CA bundle (PEM, one or more certificates) instead of them, or
     * (when {@code insecureSkipVerify}) no verification at all, hostname included.
     *
     * @throws IllegalArgumentException naming the bundle when it is missing or holds no certificate
     */
    public static SSLContext forConfig(BackendConfig.Tls tls) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (tls.insecureSkipVerify()) {
                context.init(null, new TrustManager[] {new TrustEverything()}, null);
            } else if (tls.caFile().isPresent()) {
                context.init(null, trustManagersFor(tls), null);
            } else {
                context.init(null, null, null);
            }
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The trust managers of the CA bundle, or of the system roots when there is none. */
    public static TrustManager[] trustManagersFor(BackendConfig.Tls tls) throws GeneralSecurityException {
        if (tls.insecureSkipVerify()) {
            return new TrustManager[] {new TrustEverything()};
        }
        KeyStore roots = null;
        if (tls.caFile().isPresent()) {
            roots = KeyStore.getInstance(KeyStore.getDefaultType());
            try {
                roots.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            Collection<? extends Certificate> certificates;
            try (InputStream in = Files.newInputStream(tls.caFile().get())) {
                certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("CA bundle " + tls.caFile().get() + " cannot be read: " + e, e);
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("CA bundle " + tls.caFile().get() + " holds no PEM certificate");
            }
            int i = 0;
            for (Certificate certificate : certificates) {
                roots.setCertificateEntry("ca-" + i++, certificate);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(roots);
        return factory.getTrustManagers();
    }

    /**
     * Accepts any certificate for any host. An {@link X509ExtendedTrustManager} is used because
     * JSSE then leaves endpoint identification to it, which is what "skip verify" promises.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
