package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A backlog's profile being written to its spool ({@link BacklogSpool#write}) within an {@link
 * OfferRound}: counted in {@code uncommitted} from its start until the round completes it, then
 * handed to {@code completed} as
 * the durable spool file, or as null when the spool could not take it ({@code write} null) or the
 * write failed (its file deleted, the failure logged once): the caller then keeps the profile in
 * memory.
 */
final class SpoolWrite implements OfferRound.Pending {

    private final BacklogSpool spool;
    private final ProfileSpool.Write write;
    private final AtomicInteger uncommitted;
    private final Consumer<QueuedProfile.OnDisk> completed;

    SpoolWrite(BacklogSpool spool, ProfileSpool.Write write, AtomicInteger uncommitted, Consumer<QueuedProfile.OnDisk> completed) {
        this.spool = spool;
        this.write = write;
        this.uncommitted = uncommitted;
        this.completed = completed;
        uncommitted.incrementAndGet();
    }

    @Override
    public void force() throws IOException {
        if (write != null) {
            write.commit();
        }
    }

    @Override
    public Path directory() {
        return write == null ? null : spool.directory();
    }

    @Override
    public void syncDirectory() throws IOException {
        spool.syncDirectory();
    }

    @Override
    public void complete(IOException failure) {
        uncommitted.decrementAndGet();
        if (write == null) {
            completed.accept(null);
        } else if (failure == null) {
            completed.accept(new QueuedProfile.OnDisk(write.entry()));
        } else {
            spool.delete(new QueuedProfile.OnDisk(write.entry()));
            spool.writeFailed(failure);
            completed.accept(null);
        }
    }
}
