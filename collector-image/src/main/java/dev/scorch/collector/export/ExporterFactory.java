package dev.scorch.collector.export;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.config.CollectorConfig;
import dev.scorch.collector.export.directory.DirectoryExporter;
import java.time.Clock;
import java.time.Duration;

/**
 * Builds one {@link ProfileExporter} per configured backend. Each network backend gets its own
 * {@code DeliveryQueue} (spool under {@code <spool.directory>/<backend name>/}, sender thread), so
 * backends never wait on each other.
 */
public final class ExporterFactory {

    /** How long the directory backend keeps files; its byte bound is the spool bound. */
    public static final Duration DIRECTORY_RETENTION = Duration.ofHours(24);

    private final CollectorConfig.Spool spool;
    private final Clock clock;

    public ExporterFactory(CollectorConfig.Spool spool, Clock clock) {
        this.spool = spool;
        this.clock = clock;
    }

    /**
     * @throws IllegalArgumentException when the backend cannot be built, with a message naming it
     */
    public ProfileExporter create(BackendConfig backend) {
        return switch (backend) {
            case BackendConfig.Directory directory -> new DirectoryExporter(directory.name(),
                    new DirectoryExporter.Settings(directory.path(), DIRECTORY_RETENTION, spool.maxBytes()), clock);
            case BackendConfig.Parca parca -> unsupported(parca);
            case BackendConfig.Pyroscope pyroscope -> unsupported(pyroscope);
            case BackendConfig.Otlp otlp -> unsupported(otlp);
        };
    }

    private static ProfileExporter unsupported(BackendConfig backend) {
        throw new IllegalArgumentException("backend " + backend.name() + ": this build cannot export to "
                + backend.getClass().getSimpleName() + " yet");
    }
}
