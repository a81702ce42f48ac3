package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.WireFormat;
import java.util.function.Supplier;

/** Builds senders without letting a bad backend configuration escape as an exception. */
public final class Senders {

    private Senders() {}

    /**
     * The sender {@code factory} builds, or one that reports why it could not be built on every
     * attempt (see {@link UnusableBackendSender}) while its queue keeps profiles in {@code format}.
     */
    public static ProfileSender orUnusable(WireFormat format, Supplier<ProfileSender> factory) {
        try {
            return factory.get();
        } catch (IllegalArgumentException e) {
            return new UnusableBackendSender(format, e.getMessage());
        }
    }
}
