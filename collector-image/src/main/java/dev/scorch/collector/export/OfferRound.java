package dev.scorch.collector.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The profiles offered at one interval end (every policy ending its interval now, every backend),
 * made durable together: each spool writes its file when the profile is offered, and {@link
 * #commit} then forces every file, names it, syncs each spool directory once, and only then queues
 * the profiles. No profile is queued (so none can be sent and acknowledged) before all of the
 * round's writes are on the device, and the directory sync makes their names durable too. Each
 * file is still forced on its own: Java cannot start every file's writeback first, so the round
 * costs the same CPU as forcing each file as it is written (docs/benchmarks.md).
 *
 * <p>A round holds at most {@link #MAX_PENDING} written files open; the offer that would pass that
 * commits what it holds first, so a node with many targets never holds a file descriptor per
 * profile. Not thread-safe: one thread offers a round's profiles and commits them.
 */
public final class OfferRound {

    /** Written files a round keeps open before it commits on its own. */
    public static final int MAX_PENDING = 64;

    /** An offered profile whose spool file is written but not yet durable. */
    public interface Pending {

        /** Forces the written file to the device and gives it its name; throws when that fails. */
        void force() throws IOException;

        /** The directory whose entry {@link #force} creates, synced once per commit; null when nothing is on disk. */
        Path directory();

        /** Makes the names created in {@link #directory} durable; the round calls it once per directory. */
        void syncDirectory() throws IOException;

        /**
         * Queues the profile: durable when {@code failure} is null; otherwise the write failed (forcing the
         * file or syncing its directory) and the exporter holds the profile the way it holds one its spool
         * refused.
         */
        void complete(IOException failure);
    }

    private final List<Pending> pending = new ArrayList<>();

    /** Adds a written profile; commits the round first when it already holds {@link #MAX_PENDING}. */
    public void add(Pending write) {
        if (pending.size() >= MAX_PENDING) {
            commit();
        }
        pending.add(write);
    }

    /** Profiles written and not yet committed. */
    public int pending() {
        return pending.size();
    }

    /** Forces every written file, syncs each directory once, then queues every profile, in the order offered. */
    public void commit() {
        List<Pending> writes = List.copyOf(pending);
        pending.clear();
        Map<Pending, IOException> failures = new LinkedHashMap<>();
        Map<Path, List<Pending>> byDirectory = new LinkedHashMap<>();
        for (Pending write : writes) {
            try {
                write.force();
                if (write.directory() != null) {
                    byDirectory.computeIfAbsent(write.directory(), d -> new ArrayList<>()).add(write);
                }
            } catch (IOException e) {
                failures.put(write, e);
            }
        }
        byDirectory.forEach((directory, inIt) -> {
            try {
                inIt.getFirst().syncDirectory();
            } catch (IOException e) {
                IOException failure = new IOException("cannot sync spool directory " + directory + ": " + e.getMessage(), e);
                inIt.forEach(write -> failures.put(write, failure));
            }
        });
        for (Pending write : writes) {
            write.complete(failures.get(write));
        }
    }
}
