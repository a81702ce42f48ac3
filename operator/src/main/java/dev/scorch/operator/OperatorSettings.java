package dev.scorch.operator;

/**
 * What the operator is configured with, independent of Quarkus so tests can build it directly.
 *
 * @param namespace the install namespace, where every policy's collector objects live
 * @param collectorImage the collector image used when a policy names none (released with the operator)
 * @param collectorStatusUpdateSeconds how often, at most, a collector refreshes its pod condition
 *     when nothing changed (collector.json {@code health.statusUpdateSeconds}); it bounds how stale
 *     a policy's lastExportTime may be, against API writes that grow with the node count
 */
public record OperatorSettings(String namespace, String collectorImage, int collectorStatusUpdateSeconds) {

    /** The default refresh: every two minutes, which keeps API writes flat on large clusters. */
    public static final int DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS = 120;

    public OperatorSettings(String namespace, String collectorImage) {
        this(namespace, collectorImage, DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
    }
}
