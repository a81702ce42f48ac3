package dev.scorch.collector.export.backends;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.DeliveryQueue;
import dev.scorch.collector.export.delivery.DeliverySettings;
import dev.scorch.collector.export.delivery.Senders;
import dev.scorch.collector.export.directory.DirectoryExporter;
import dev.scorch.collector.export.otlp.OtlpSender;
import dev.scorch.collector.export.parca.ParcaSender;
import dev.scorch.collector.export.pyroscope.PyroscopeSender;
import java.time.Duration;

/**
 * Builds one {@link ProfileExporter} per configured backend. Each network backend gets its own
 * {@link DeliveryQueue} (spool under {@code <spool.directory>/<backend name>/}, sender thread), so
 * backends never wait on each other.
 *
 * <p>{@link #create} never throws for a backend's settings: a malformed address or unreadable CA
 * bundle gives an exporter whose health carries the error and whose spool keeps the profiles
 * (bounded), so one bad entry cannot stop the others.
 */
public final class ExporterFactory {

    /** How long the directory backend keeps files; its byte bound is the spool bound. */
    public static final Duration DIRECTORY_RETENTION = Duration.ofHours(24);

    /** Connecting to a backend; a node that cannot reach it in 5 s is treated as an outage. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** One whole request, connect included: well inside the shortest export interval (5 s) times two. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final DeliverySettings delivery;

    public ExporterFactory(DeliverySettings delivery) {
        this.delivery = delivery;
    }

    /**
     * Production settings for a policy's spool in {@code collector.json}; {@code memory} is the
     * collector's one budget of profiles held in memory, shared with every other policy's backends.
     */
    public ExporterFactory(PolicyConfig.Spool spool, NodeHeapBudget memory) {
        this(DeliverySettings.defaults(spool.directory(), spool.maxBytes(), memory));
    }

    public ProfileExporter create(BackendConfig backend) {
        return switch (backend) {
            case BackendConfig.Directory directory -> new DirectoryExporter(directory.name(),
                    new DirectoryExporter.Settings(directory.path(), DIRECTORY_RETENTION, delivery.maxSpoolBytes()), delivery.clock());
            case BackendConfig.Parca parca -> new DeliveryQueue(parca.name(),
                    Senders.orUnusable(WireFormat.GZIPPED_PPROF, () -> ParcaSender.create(parca, REQUEST_TIMEOUT)), delivery);
            case BackendConfig.Pyroscope pyroscope -> new DeliveryQueue(pyroscope.name(),
                    Senders.orUnusable(WireFormat.GZIPPED_PPROF, () -> PyroscopeSender.create(pyroscope, CONNECT_TIMEOUT, REQUEST_TIMEOUT)), delivery);
            case BackendConfig.Otlp otlp -> new DeliveryQueue(otlp.name(),
                    Senders.orUnusable(WireFormat.OTLP_PROFILES, () -> OtlpSender.create(otlp, CONNECT_TIMEOUT, REQUEST_TIMEOUT)), delivery);
        };
    }
}
