package dev.scorch.collector.export;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/**
 * A server certificate for localhost and 127.0.0.1 that no system CA signed, made with the JDK's
 * keytool: a test backend serves with {@link #keyManagers()}, and a collector trusts it only
 * through {@link #caBundle()}.
 *
 * @param caBundle PEM file holding the certificate, as a backend's {@code caFile}
 * @param keyManagers the certificate and its key, for the test server
 */
public record SelfSignedCertificate(Path caBundle, KeyManager[] keyManagers) {

    private static final char[] PASSWORD = "changeit".toCharArray();

    /** Writes the key store and the CA bundle into {@code directory}. */
    public static SelfSignedCertificate create(Path directory) throws Exception {
        Path keystore = directory.resolve("server.p12");
        Path caBundle = directory.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD)));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-file", caBundle.toString()));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        return new SelfSignedCertificate(caBundle, keys.getKeyManagers());
    }

    private static void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command.getFirst() + " failed: " + output);
        }
    }
}
