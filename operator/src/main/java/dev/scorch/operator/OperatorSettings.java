package dev.scorch.operator;

/**
 * What the operator is configured with, independent of Quarkus so tests can build it directly.
 *
 * @param namespace the install namespace, where the collectors and their objects live
 * @param collector how the collector pods run (image, security mode, resources, priority class)
 * @param collectorStatusUpdateSeconds how often, at most, a collector refreshes its pod condition
 *     when nothing changed (collector.json {@code health.statusUpdateSeconds}); it bounds how stale
 *     a policy's lastExportTime may be, against API writes that grow with the node count
 */
public record OperatorSettings(String namespace, CollectorPodSettings collector, int collectorStatusUpdateSeconds) {

    /** The default refresh: every two minutes, which keeps API writes flat on large clusters. */
    public static final int DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS = 120;

    /** Default collector settings with {@code collectorImage}, and the default status refresh. */
    public OperatorSettings(String namespace, String collectorImage) {
        this(namespace, CollectorPodSettings.defaults(collectorImage), DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
    }
}
