package dev.scorch.testenv;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Waiting for a started server to answer, with the server's log in the error when it never does. */
final class Readiness {

    private static final Duration POLL = Duration.ofMillis(100);

    private Readiness() {
    }

    /**
     * Polls {@code ready} until it holds; fails early when {@code process} exits and at
     * {@code deadline} otherwise, both times with the tail of the process's log.
     */
    static void await(LocalProcess process, Instant deadline, BooleanSupplier ready) {
        while (true) {
            process.requireAlive();
            if (ready.getAsBoolean()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(process.name() + " not ready by " + deadline + "; last log lines of "
                        + process.log() + ":\n" + process.logTail(30));
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + process.name(), e);
            }
        }
    }

    /**
     * Whether a GET of {@code url} answers 200. HTTPS trusts the certificates in {@code caFile}, or
     * any certificate when it is null (the controllers' self-signed health endpoints on loopback).
     */
    static BooleanSupplier httpOk(String url, Path caFile, String bearerToken) {
        return () -> {
            try (HttpClient client = HttpClient.newBuilder()
                    .sslContext(sslContext(caFile))
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
                if (bearerToken != null) {
                    request.header("Authorization", "Bearer " + bearerToken);
                }
                return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
    }

    private static SSLContext sslContext(Path caFile) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, caFile == null ? new TrustManager[] {new TrustingEveryone()} : trusting(caFile), new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context for " + caFile, e);
        }
    }

    private static TrustManager[] trusting(Path caFile) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** For health checks of loopback servers whose certificates were self-signed a second ago. */
    private static final class TrustingEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
