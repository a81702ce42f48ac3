package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.delivery.SendFailure;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The Authorization header of one backend, built from its Secret files on every request so a
 * rotated Secret is used at once. A missing or empty file is a retryable failure: the profile
 * stays spooled until the Secret is mounted, and the error names the file, never the content.
 */
public final class Credentials {

    private final Optional<SecretFile> username;
    private final Optional<SecretFile> password;
    private final Optional<SecretFile> bearerToken;

    private Credentials(Optional<SecretFile> username, Optional<SecretFile> password, Optional<SecretFile> bearerToken) {
        this.username = username;
        this.password = password;
        this.bearerToken = bearerToken;
    }

    public static Credentials of(Optional<BackendConfig.BasicAuth> basicAuth, Optional<java.nio.file.Path> bearerTokenFile) {
        return new Credentials(
                basicAuth.map(b -> new SecretFile(b.usernameFile())),
                basicAuth.map(b -> new SecretFile(b.passwordFile())),
                bearerTokenFile.map(SecretFile::new));
    }

    /** The header value, or empty when the backend uses no authentication. */
    public Optional<String> authorization() throws SendFailure {
        try {
            if (bearerToken.isPresent()) {
                return Optional.of("Bearer " + bearerToken.get().read());
            }
            if (username.isPresent() && password.isPresent()) {
                String pair = username.get().read() + ":" + password.get().read();
                return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
            }
            return Optional.empty();
        } catch (SecretFile.MissingCredentialException e) {
            throw SendFailure.retryable(e.getMessage(), null);
        }
    }
}
