package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;

/**
 * Stands in the place of a backend whose settings cannot be used (a malformed address, an
 * unreadable CA bundle): every attempt fails retryably with the reason. The backend's queue still
 * spools its profiles, within the spool bound, and reports the reason as its last error, so the
 * other backends keep flowing, the pod condition names the problem, and a corrected policy (which
 * rolls the collector and keeps the spool) delivers what was kept.
 */
final class UnusableBackendSender implements ProfileSender {

    private final WireFormat format;
    private final String reason;

    UnusableBackendSender(WireFormat format, String reason) {
        this.format = format;
        this.reason = reason;
    }

    @Override
    public WireFormat wireFormat() {
        return format;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        throw SendFailure.retryable(reason, null);
    }
}
