package dev.scorch.collector.run;

import dev.scorch.collector.config.CollectorConfigParser;
import dev.scorch.collector.config.ConfigException;
import dev.scorch.collector.config.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * collector.json as mounted from the ConfigMap, read again whenever its content changes: the
 * kubelet swaps the mounted file in place when the operator updates the ConfigMap, so a policy
 * change reaches the running collector without a new pod.
 */
final class ConfigFile {

    /**
     * What a read found.
     *
     * @param config the parsed configuration, null when the file is unusable
     * @param error why the file is unusable, null when it parsed
     * @param health the health settings: the configuration's; for an unusable file its health
     *     section when that alone is valid, else the defaults
     */
    record Read(RunConfig config, ConfigException error, RunConfig.Health health) {}

    private final Path path;
    private byte[] last;

    ConfigFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** Reads the file; the first call always returns what it found, later ones only a change. */
    Optional<Read> changed() {
        byte[] content;
        try {
            content = Files.readAllBytes(path);
        } catch (IOException e) {
            content = null;
        }
        byte[] seen = content == null ? MISSING : content;
        if (last != null && Arrays.equals(seen, last)) {
            return Optional.empty();
        }
        last = seen;
        try {
            // Parsing what was read, not the path again: the kubelet may swap the file in between.
            RunConfig config = content == null ? CollectorConfigParser.read(path)
                    : CollectorConfigParser.parse(new String(content, StandardCharsets.UTF_8));
            return Optional.of(new Read(config, null, config.health()));
        } catch (ConfigException e) {
            RunConfig.Health health = content == null ? RunConfig.Health.DEFAULT
                    : CollectorConfigParser.healthSectionOf(content).orElse(RunConfig.Health.DEFAULT);
            return Optional.of(new Read(null, e, health));
        }
    }

    /** Stands for an unreadable file, so a file that stays missing is reported once. */
    private static final byte[] MISSING = {-1};
}
