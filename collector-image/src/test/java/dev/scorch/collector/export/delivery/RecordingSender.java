package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backend for delivery-core unit tests: accepts profiles, or answers with the failure the test
 * sets. The network backends are tested against real or protocol-decoding servers elsewhere.
 */
final class RecordingSender implements ProfileSender {

    final List<ExportedProfile> accepted = new CopyOnWriteArrayList<>();
    final AtomicReference<SendFailure> failWith = new AtomicReference<>();
    volatile int attempts;

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GZIPPED_PPROF;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        attempts++;
        SendFailure failure = failWith.get();
        if (failure != null) {
            throw failure;
        }
        accepted.add(profile);
    }
}
