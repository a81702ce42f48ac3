package dev.scorch.collector.export;

/**
 * A backend the collector ships profiles to. {@link #offer} never blocks on the network: each
 * exporter owns its queue and spool, so one slow or dead backend never delays another.
 */
public interface ProfileExporter extends AutoCloseable {

    /** The backend name from the policy, e.g. {@code parca}. */
    String backendName();

    /** The encoding this backend takes; the profile offered must be in it. */
    WireFormat wireFormat();

    /** Queues the profile for delivery; drops (counted) only when the spool bound forces it. */
    void offer(ExportedProfile profile);

    /** The backend's delivery health, for metrics and the pod condition. */
    BackendHealth health();

    @Override
    void close();
}
