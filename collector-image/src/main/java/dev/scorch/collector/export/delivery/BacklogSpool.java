package dev.scorch.collector.export.delivery;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.spool.CorruptSpoolFileException;
import dev.scorch.collector.export.spool.ProfileSpool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

/**
 * One backend's spool as its {@link Backlog} uses it: what a previous run left, taken over at
 * start; files begun, read, deleted and marked; and every failure of the disk logged once and
 * survived, never thrown, so a disk problem degrades delivery (profiles held in memory) instead of
 * stopping it. Writes begin under the backlog's lock, so the spool's sequence, which orders
 * recovery after a restart, follows the queue's order.
 */
final class BacklogSpool {

    private static final System.Logger LOG = System.getLogger(Backlog.class.getName());

    private final String backend;
    private final ProfileSpool spool;
    private final ProblemLog problems;
    /** Writes begun and not yet completed by their round. */
    private final AtomicInteger writing = new AtomicInteger();
    private volatile boolean usable;
    private volatile String problem;

    BacklogSpool(String backend, ProfileSpool spool, ProblemLog problems) {
        this.backend = backend;
        this.spool = spool;
        this.problems = problems;
    }

    /**
     * The profiles a previous run left in the spool, oldest first; what it left unusable is counted
     * in {@code drops} by reason. A spool that cannot be used leaves the backlog in memory only.
     */
    List<QueuedProfile.OnDisk> recover(ObjLongConsumer<String> drops) {
        try {
            ProfileSpool.Recovery recovery = spool.recover();
            usable = true;
            drops.accept("partial-write", recovery.partialWrites());
            drops.accept("corrupt-spool-file", recovery.corrupt());
            drops.accept("unrecoverable-spool-file", recovery.unrecoverable());
            drops.accept("possibly-delivered", recovery.possiblyDelivered());
            if (recovery.partialWrites() + recovery.corrupt() + recovery.unrecoverable() + recovery.possiblyDelivered() > 0) {
                LOG.log(Level.WARNING, "backend {0}: dropped {1} interrupted, {2} corrupt, {3} unrecoverable and {4} possibly delivered"
                                + " spool files in {5}", backend, recovery.partialWrites(), recovery.corrupt(), recovery.unrecoverable(),
                        recovery.possiblyDelivered(), spool.directory());
            }
            List<QueuedProfile.OnDisk> entries = recovery.entries().stream().map(QueuedProfile.OnDisk::new).toList();
            if (!entries.isEmpty()) {
                LOG.log(Level.INFO, "backend {0}: resuming delivery of {1} spooled profiles ({2} bytes) from {3}",
                        backend, entries.size(), entries.stream().mapToLong(QueuedProfile::bytes).sum(), spool.directory());
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            usable = false;
            problem = "spool directory " + spool.directory() + " unusable, holding profiles in memory only: " + e;
            LOG.log(Level.ERROR, "backend " + backend + ": " + problem);
            return List.of();
        }
    }

    /** Whether the spool was taken over at start; a write failing later does not change it. */
    boolean usable() {
        return usable;
    }

    /** Why the spool is not used, or null. */
    String problem() {
        return problem;
    }

    Path directory() {
        return spool.directory();
    }

    /**
     * Begins writing {@code profile}, made durable when its round commits; {@code completed} then
     * gets the spool file, or null when the spool could not take the profile (kept in memory then).
     * Called under the backlog's lock.
     */
    SpoolWrite write(ExportedProfile profile, Consumer<QueuedProfile.OnDisk> completed) {
        return new SpoolWrite(this, begin(profile), writing, completed);
    }

    /** Like {@link #write}, but null, with nothing begun, when the spool cannot take {@code profile} now. */
    SpoolWrite writeIfTaken(ExportedProfile profile, Consumer<QueuedProfile.OnDisk> completed) {
        ProfileSpool.Write write = begin(profile);
        return write == null ? null : new SpoolWrite(this, write, writing, completed);
    }

    /** Whether a write begun has not completed yet. */
    boolean writing() {
        return writing.get() > 0;
    }

    private ProfileSpool.Write begin(ExportedProfile profile) {
        if (usable) {
            try {
                return spool.begin(profile);
            } catch (IOException | RuntimeException e) {
                writeFailed(e);
            }
        }
        return null;
    }

    void syncDirectory() throws IOException {
        spool.syncDirectory();
    }

    void writeFailed(Exception e) {
        problems.once("spool-write", "backend " + backend + ": cannot write to spool " + spool.directory()
                + ", holding profiles in memory (bounded) until it works again: " + e);
    }

    /** The profile in {@code disk}; null when its file cannot be read (logged: the backlog drops it). */
    ExportedProfile read(QueuedProfile.OnDisk disk) {
        try {
            return spool.read(disk.entry());
        } catch (IOException | CorruptSpoolFileException e) {
            LOG.log(Level.WARNING, "backend {0}: dropping unreadable spool file {1}: {2}", backend, disk.entry().file(), e.getMessage());
            return null;
        }
    }

    /** Deletes the spool file of {@code item}, if it has one. */
    void delete(QueuedProfile item) {
        if (item instanceof QueuedProfile.OnDisk disk) {
            try {
                spool.delete(disk.entry());
            } catch (IOException e) {
                problems.once("spool-delete", "backend " + backend + ": cannot delete spool file " + disk.entry().file() + ": " + e);
            }
        }
    }

    /**
     * Marks {@code disk}, still being sent at shutdown, as possibly delivered: the next start drops
     * it (counted as {@code possibly-delivered}) instead of sending it again.
     */
    void markPossiblyDelivered(QueuedProfile.OnDisk disk) {
        try {
            spool.markPossiblyDelivered(disk.entry());
        } catch (IOException e) {
            problems.once("spool-mark", "backend " + backend + ": cannot mark " + disk.entry().file() + " as possibly delivered; it will"
                    + " be sent again after the restart: " + e);
        }
    }
}
