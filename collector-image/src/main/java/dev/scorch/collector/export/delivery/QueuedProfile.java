package dev.scorch.collector.export.delivery;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.spool.ProfileSpool;

/** A profile in one backend's {@link Backlog}: a spool file, or held only in memory. */
sealed interface QueuedProfile permits QueuedProfile.OnDisk, QueuedProfile.InMemory {

    long bytes();

    /** A spool file, read when it is sent. */
    record OnDisk(ProfileSpool.Entry entry) implements QueuedProfile {
        @Override
        public long bytes() {
            return entry.bytes();
        }
    }

    /**
     * A profile held only in memory, counted against the collector's budget of them ({@link
     * DeliverySettings#memoryBudget}) shared with every other backend: sent first while the backend
     * keeps up ({@code sentFirst}), or held because the spool cannot be written. Once spilled to the
     * spool, {@code spilledAs} is the spool file that took its place in the queue. Guarded by its
     * backlog's lock.
     */
    final class InMemory extends NodeHeapBudget.Claim implements QueuedProfile {
        final ExportedProfile profile;
        final boolean sentFirst;
        private final MemorySpill memory;
        boolean spilling;
        OnDisk spilledAs;

        InMemory(ExportedProfile profile, boolean sentFirst, MemorySpill memory) {
            super(profile.payload().length + 256L);
            this.profile = profile;
            this.sentFirst = sentFirst;
            this.memory = memory;
        }

        @Override
        protected boolean evict() {
            return memory.evict(this);
        }
    }

    /** The queued profile standing for {@code item}: its spool file once it was spilled. Holds the backlog's lock. */
    static QueuedProfile current(QueuedProfile item) {
        return item instanceof InMemory memory && memory.spilledAs != null ? memory.spilledAs : item;
    }
}
