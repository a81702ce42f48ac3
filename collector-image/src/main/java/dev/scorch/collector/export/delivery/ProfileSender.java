package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.ExportedProfile;

/**
 * The wire protocol of one backend: sends one profile and says how it went. Implementations
 * bound every network step with a timeout; the {@link DeliveryQueue} owns retries, backoff and
 * the spool.
 */
public interface ProfileSender extends AutoCloseable {

    /** The encoding this protocol carries: what {@link #send} expects in the profile's payload. */
    WireFormat wireFormat();

    /**
     * Sends one profile; returns normally when the backend accepted it.
     *
     * @throws SendFailure when it did not, saying whether a retry can help
     */
    void send(ExportedProfile profile) throws SendFailure;

    @Override
    default void close() {}
}
