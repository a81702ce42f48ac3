package dev.scorch.collector.export.transport;

import dev.scorch.collector.config.HeaderValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A credential mounted from a Kubernetes Secret, re-read whenever the file changes so a rotated
 * Secret takes effect without a restart. Kubernetes updates Secret volumes by swapping a symlink,
 * so the file's modification time and size after following links identify a new version.
 *
 * <p>The value never appears in an exception message, log line or {@link #toString()}.
 */
public final class SecretFile {

    private final Path path;
    private FileTime cachedModified;
    private long cachedSize = -1;
    private String cachedValue;

    public SecretFile(Path path) {
        this.path = path;
    }

    /**
     * The current value, trimmed of surrounding whitespace (editors and {@code echo} add a newline).
     *
     * @throws MissingCredentialException when the file is absent, unreadable, empty, or holds a CR,
     *     LF, NUL or other control character inside its value (it becomes a header value); the
     *     message names the file and the Secret key (the file name) and what to check, never the content
     */
    public synchronized String read() throws MissingCredentialException {
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            long size = Files.size(path);
            if (cachedValue == null || !modified.equals(cachedModified) || size != cachedSize) {
                String value = Files.readString(path, StandardCharsets.UTF_8).strip();
                if (value.isEmpty()) {
                    throw new MissingCredentialException("credential file " + path + " is empty: check the Secret's key");
                }
                int forbidden = HeaderValues.forbiddenCharacter(value);
                if (forbidden >= 0) {
                    throw new MissingCredentialException("credential file " + path + " (Secret key " + path.getFileName() + ") holds "
                            + HeaderValues.describe(value, forbidden) + " inside its value, which cannot be sent in a header;"
                            + " the value is not shown: fix that key of the Secret");
                }
                cachedValue = value;
                cachedModified = modified;
                cachedSize = size;
            }
            return cachedValue;
        } catch (NoSuchFileException e) {
            cachedValue = null;
            throw new MissingCredentialException("credential file " + path
                    + " does not exist: is the Secret mounted and does it have that key?");
        } catch (IOException e) {
            cachedValue = null;
            throw new MissingCredentialException("credential file " + path + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "SecretFile[" + path + "]";
    }

    /** A credential the configuration names but the node does not have (yet). */
    public static final class MissingCredentialException extends Exception {
        public MissingCredentialException(String message) {
            super(message);
        }
    }
}
