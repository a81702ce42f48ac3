package dev.scorch.collector.export.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backends share one TLS context per TLS setting; a CA bundle counts by its content. */
class TlsSocketFactoriesTest {

    private static final BackendConfig.Tls INSECURE = new BackendConfig.Tls(Optional.empty(), true);

    @TempDir
    Path dir;

    @Test
    void backendsWithTheSameTlsSettingsShareOneContext() {
        assertThat(TlsSocketFactories.forConfig(BackendConfig.Tls.SYSTEM_ROOTS))
                .isSameAs(TlsSocketFactories.forConfig(BackendConfig.Tls.SYSTEM_ROOTS))
                .isNotSameAs(TlsSocketFactories.forConfig(INSECURE));
    }

    @Test
    void aRotatedCaBundleGetsAContextOfItsOwn() throws Exception {
        Path bundle = dir.resolve("ca.pem");
        BackendConfig.Tls tls = new BackendConfig.Tls(Optional.of(bundle), false);
        Files.copy(SelfSignedCertificate.create(Files.createDirectory(dir.resolve("first"))).caBundle(), bundle);
        var first = TlsSocketFactories.forConfig(tls);

        Files.copy(SelfSignedCertificate.create(Files.createDirectory(dir.resolve("second"))).caBundle(), bundle,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(TlsSocketFactories.forConfig(tls)).isNotSameAs(first);
    }

    @Test
    void aMissingCaBundleIsNamed() {
        Path missing = dir.resolve("absent.pem");

        assertThatThrownBy(() -> TlsSocketFactories.forConfig(new BackendConfig.Tls(Optional.of(missing), false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    }
}
