package dev.scorch.collector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.export.SelfSignedCertificate;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https over a TLS server on loopback whose certificate (for localhost and 127.0.0.1, generated
 * by keytool) only a given CA bundle trusts: the certificate must match the host, the host is
 * named in SNI, and connections are kept alive as over plain HTTP.
 */
class TlsConnectionTest {

    @TempDir
    static Path certificates;

    private static SSLServerSocket server;
    /** The same server's certificate served at 127.0.0.2, an address the certificate does not name. */
    private static SSLServerSocket elsewhere;
    private static final List<String> serverNames = new CopyOnWriteArrayList<>();
    private static final AtomicInteger accepted = new AtomicInteger();
    private static SSLContext trusting;

    @BeforeAll
    static void startServer() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(certificates);
        SSLContext serving = SSLContext.getInstance("TLS");
        serving.init(certificate.keyManagers(), null, null);
        server = listen(serving, "127.0.0.1");
        elsewhere = listen(serving, "127.0.0.2");
        trusting = trusting(certificate.caBundle());
    }

    private static SSLServerSocket listen(SSLContext serving, String address) throws Exception {
        SSLServerSocket server = (SSLServerSocket) serving.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName(address));
        SSLParameters parameters = server.getSSLParameters();
        parameters.setSNIMatchers(List.of(new SNIMatcher(0) {
            @Override
            public boolean matches(SNIServerName name) {
                serverNames.add(((SNIHostName) name).getAsciiName());
                return true;
            }
        }));
        server.setSSLParameters(parameters);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    SSLSocket connection = (SSLSocket) server.accept();
                    accepted.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(connection));
                } catch (Exception e) {
                    return;
                }
            }
        });
        return server;
    }

    private static void serve(SSLSocket connection) {
        try (connection; InputStream in = connection.getInputStream()) {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.toString().endsWith("\r\n\r\n")) {
                    connection.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure".getBytes());
                    connection.getOutputStream().flush();
                    head.setLength(0);
                }
            }
        } catch (Exception e) {
            // the client refused the certificate or hung up
        }
    }

    private static SSLContext trusting(Path caBundle) throws Exception {
        KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
        roots.load(null, null);
        try (InputStream in = Files.newInputStream(caBundle)) {
            roots.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(roots);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
        elsewhere.close();
    }

    private static String get(Http1Client client, String host) throws Exception {
        int port = host.equals("127.0.0.2") ? elsewhere.getLocalPort() : server.getLocalPort();
        URI url = URI.create("https://" + host + ":" + port + "/");
        try (HttpResponse response = client.send(HttpRequest.get(url, Map.of()), Duration.ofSeconds(10))) {
            return new String(response.readBody(100));
        }
    }

    private static Http1Client client(SSLContext context) {
        return new Http1Client(HttpSettings.of(Duration.ofSeconds(5), Duration.ofSeconds(5)), context::getSocketFactory);
    }

    @Test
    void aServerWhoseCertificateTheBundleSignedIsTrustedAndNamedInSni() throws Exception {
        try (Http1Client client = client(trusting)) {
            assertThat(get(client, "localhost")).isEqualTo("secure");
        }
        assertThat(serverNames).contains("localhost");
    }

    @Test
    void aCertificateForAnotherHostIsRefused() {
        try (Http1Client client = client(trusting)) {
            assertThatThrownBy(() -> get(client, "127.0.0.2")).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("127.0.0.2");
        }
    }

    @Test
    void aServerTheSystemRootsDoNotTrustIsRefusedSayingWhy() throws Exception {
        SSLContext systemRoots = SSLContext.getInstance("TLS");
        systemRoots.init(null, null, null);
        try (Http1Client client = client(systemRoots)) {
            assertThatThrownBy(() -> get(client, "127.0.0.1")).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("certification path");
        }
    }

    @Test
    void aTlsConnectionIsKeptForTheNextRequest() throws Exception {
        try (Http1Client client = client(trusting)) {
            int before = accepted.get();
            for (int i = 0; i < 3; i++) {
                get(client, "127.0.0.1");
                Thread.sleep(50);
            }

            assertThat(accepted.get() - before).as("TLS connections the server accepted").isEqualTo(1);
            assertThat(client.idleConnections()).isEqualTo(1);
        }
    }
}
