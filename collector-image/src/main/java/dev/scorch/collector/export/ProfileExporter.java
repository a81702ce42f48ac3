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

    /**
     * Offers the profile as part of {@code round}: an exporter with a spool that must spool it (its
     * backend is behind or failing) writes it now and queues it when the round commits, made durable
     * together with the round's other profiles; one whose backend keeps up queues it in memory at
     * once. Exporters without a spool take it at once.
     */
    default void offer(ExportedProfile profile, OfferRound round) {
        offer(profile);
    }

    /** The backend's delivery health, for metrics and the pod condition. */
    BackendHealth health();

    /**
     * Shutdown began: start no new send; what is offered until {@link #close} is kept for the next
     * start. Exporters that send nothing over the network have nothing to stop.
     */
    default void stopSending() {}

    @Override
    void close();
}
