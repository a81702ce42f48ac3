package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** PEM files of keys the control plane needs, written with JDK APIs only. */
final class Pem {

    private Pem() {
    }

    /**
     * Writes a fresh RSA key pair as {@code PRIVATE KEY} (PKCS#8) and {@code PUBLIC KEY} (X.509
     * SubjectPublicKeyInfo) PEM files, the forms kube-apiserver and kube-controller-manager read
     * for service-account token signing and verification.
     */
    static KeyPair writeRsaKeyPair(Path privateKeyFile, Path publicKeyFile) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.writeString(privateKeyFile, encode("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(publicKeyFile, encode("PUBLIC KEY", pair.getPublic().getEncoded()));
            return pair;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks RSA", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + privateKeyFile, e);
        }
    }

    static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
