package dev.scorch.collector.export.spool;

import dev.scorch.collector.export.ExportedProfile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend's profiles on node-local disk, one file per profile named by a sequence number so
 * that recovery after a restart replays them oldest first.
 *
 * <p>Writes go to {@code <seq>.prof.tmp}, are forced to the device, then renamed into place, and
 * the directory is synced: a process killed at any point leaves either no file or a complete one,
 * plus at most one {@code .tmp} per profile being written that recovery removes, and a node crash
 * (not only a process kill, which the page cache survives anyway) after the directory sync finds
 * the file under its name. A round of profiles is written first ({@link #begin}), then forced and
 * named ({@link Write#commit}), then each directory synced once ({@link #syncDirectory}), and no
 * profile of the round is queued before (docs/decisions.md, "One durable commit per round of offers").
 *
 * <p>Recovery ({@link SpoolRecovery}) survives whatever the directory holds. A read is bounded by
 * the file's real size and by the spool bound.
 *
 * <p>This class does no bounding of the total and no locking: its backend's backlog bounds it and
 * begins its writes under the backlog's lock.
 */
public final class ProfileSpool {

    static final String TEMP_SUFFIX = ".tmp";
    static final String POSSIBLY_DELIVERED_SUFFIX = ".possibly-delivered";
    /**
     * Sequences stay below 10^18 (a profile a second for 31 billion years), far from {@code
     * Long.MAX_VALUE}: a planted {@code 9223372036854775807.prof} cannot make the next name wrap.
     */
    static final long MAX_SEQUENCE = 999_999_999_999_999_999L;

    /** A profile on disk. */
    public record Entry(long sequence, Path file, long bytes) {}

    /**
     * What {@link #recover()} found.
     *
     * @param entries complete files, oldest first
     * @param partialWrites {@code .tmp} files of writes a crash interrupted, removed
     * @param corrupt files whose length does not match their header or exceeds the spool bound, removed
     * @param unrecoverable entries that could not be used or removed (a directory with a spool
     *     name, a sequence out of range, a file that could not be read), left alone and counted
     * @param possiblyDelivered files whose send was cut short at the last shutdown, removed unsent
     */
    public record Recovery(List<Entry> entries, int partialWrites, int corrupt, int unrecoverable, int possiblyDelivered) {}

    private final Path directory;
    private final long maxRecordBytes;
    private final AtomicLong nextSequence = new AtomicLong(1);

    /** @param maxRecordBytes no spooled record is larger (the spool bound): a larger file is corrupt, never read */
    public ProfileSpool(Path directory, long maxRecordBytes) {
        this.directory = directory;
        this.maxRecordBytes = maxRecordBytes;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Creates the directory when needed and lists what a previous run left ({@link SpoolRecovery}),
     * removing what cannot be sent; new files are numbered after the newest one found. Never throws
     * for a bad file, only when the directory itself is unusable.
     */
    public Recovery recover() throws IOException {
        Recovery recovery = SpoolRecovery.scan(directory, maxRecordBytes);
        if (!recovery.entries().isEmpty()) {
            nextSequence.set(recovery.entries().getLast().sequence() + 1);
        }
        return recovery;
    }

    /**
     * Writes the profile to a temporary file, not yet forced to the device: {@link Write#commit}
     * makes it durable and names it, so a round's files are all written before any is forced. On
     * failure nothing is left behind.
     */
    public Write begin(ExportedProfile profile) throws IOException {
        ByteBuffer[] record = SpoolRecord.encode(profile);
        long length = SpoolRecord.length(record);
        long sequence = nextSequence.getAndIncrement();
        if (sequence > MAX_SEQUENCE) {
            throw new IOException("spool " + directory + " has used up its sequence numbers");
        }
        Path target = directory.resolve(fileName(sequence));
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("spool file " + target + " exists already; not overwriting it");
        }
        Path temp = directory.resolve(fileName(sequence) + TEMP_SUFFIX);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            for (long written = 0; written < length; ) {
                written += channel.write(record);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return new Write(channel, temp, new Entry(sequence, target, length));
    }

    /** A profile written to its temporary file by {@link #begin}, still open. */
    public static final class Write {
        private final FileChannel channel;
        private final Path temp;
        private final Entry entry;

        private Write(FileChannel channel, Path temp, Entry entry) {
            this.channel = channel;
            this.temp = temp;
            this.entry = entry;
        }

        /**
         * Forces the file to the device, closes it and renames it into place; a process killed at any
         * point leaves no file, the temporary one (removed by recovery) or the complete one. The name is
         * durable once the directory is synced ({@link #syncDirectory}). On failure nothing is left behind.
         */
        public Entry commit() throws IOException {
            try (channel) {
                channel.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            try {
                Files.move(temp, entry.file(), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            return entry;
        }

        /** The entry the file gets once committed. */
        public Entry entry() {
            return entry;
        }
    }

    /** Makes the names of the files committed so far durable: fsync on the spool directory. */
    public void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** {@code <19-digit zero-padded sequence>.prof}, without a Formatter: one name per profile per backend. */
    static String fileName(long sequence) {
        String digits = Long.toString(sequence);
        return "0".repeat(19 - digits.length()) + digits + ".prof";
    }

    /**
     * Reads a spooled profile back, verifying its checksum. Reads no more than the file's real
     * size, and refuses a file larger than the spool bound before allocating for it.
     */
    public ExportedProfile read(Entry entry) throws IOException, CorruptSpoolFileException {
        try (FileChannel channel = FileChannel.open(entry.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            if (size != entry.bytes() || size > maxRecordBytes || size > Integer.MAX_VALUE - 64) {
                throw new CorruptSpoolFileException("size " + size + " differs from the " + entry.bytes() + " bytes recovered or exceeds the"
                        + " spool bound of " + maxRecordBytes + ": " + entry.file());
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (channel.read(bytes) < 0) {
                    throw new CorruptSpoolFileException("file shrank while reading: " + entry.file());
                }
            }
            return SpoolRecord.decode(bytes.array());
        } catch (NoSuchFileException e) {
            throw new CorruptSpoolFileException("file vanished: " + entry.file());
        }
    }

    /** Deletes the entry's file, under its own name or, when it was marked, the possibly-delivered one. */
    public void delete(Entry entry) throws IOException {
        if (!Files.deleteIfExists(entry.file())) {
            Files.deleteIfExists(possiblyDelivered(entry));
        }
    }

    /** Renames the entry's file so that the next {@link #recover()} drops it unsent (its send was cut short). */
    public void markPossiblyDelivered(Entry entry) throws IOException {
        Files.move(entry.file(), possiblyDelivered(entry), StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path possiblyDelivered(Entry entry) {
        return entry.file().resolveSibling(entry.file().getFileName() + POSSIBLY_DELIVERED_SUFFIX);
    }
}
