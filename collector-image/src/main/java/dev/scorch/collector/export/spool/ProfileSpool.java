package dev.scorch.collector.export.spool;

import dev.scorch.collector.export.ExportedProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One backend's profiles on node-local disk, one file per profile named by a sequence number so
 * that recovery after a restart replays them oldest first.
 *
 * <p>Writes go to {@code <seq>.prof.tmp}, are forced to the device, then renamed into place: a
 * process killed at any point leaves either no file or a complete one, plus at most one
 * {@code .tmp} that recovery removes. The fsync before the rename is what makes a node crash
 * (not only a process kill, which the page cache survives anyway) leave complete files; it costs
 * one fsync per profile per backend, a few per second at most. The directory itself is not
 * synced: a crash right after the rename can lose that one newest profile, never corrupt one.
 *
 * <p>This class does no bounding and no locking; {@code DeliveryQueue} owns both.
 */
public final class ProfileSpool {

    private static final Pattern SPOOLED = Pattern.compile("(\\d{19})\\.prof");
    private static final String TEMP_SUFFIX = ".tmp";

    /** A profile on disk. */
    public record Entry(long sequence, Path file, long bytes) {}

    /**
     * What {@link #recover()} found.
     *
     * @param entries complete files, oldest first
     * @param partialWrites {@code .tmp} files of writes a crash interrupted, removed
     * @param corrupt files whose length does not match their header, removed
     */
    public record Recovery(List<Entry> entries, int partialWrites, int corrupt) {}

    private final Path directory;
    private final AtomicLong nextSequence = new AtomicLong(1);

    public ProfileSpool(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Creates the directory when needed and lists what a previous run left, removing what cannot
     * be sent. Never throws for a bad file, only when the directory itself is unusable.
     */
    public Recovery recover() throws IOException {
        Files.createDirectories(directory);
        List<Entry> entries = new ArrayList<>();
        int partial = 0;
        int corrupt = 0;
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(TEMP_SUFFIX)) {
                Files.deleteIfExists(file);
                partial++;
                continue;
            }
            var matcher = SPOOLED.matcher(name);
            if (!matcher.matches() || !Files.isRegularFile(file)) {
                continue;
            }
            long size = Files.size(file);
            if (SpoolRecord.declaredLength(readPrefix(file)) != size) {
                Files.deleteIfExists(file);
                corrupt++;
                continue;
            }
            entries.add(new Entry(Long.parseLong(matcher.group(1)), file, size));
        }
        entries.sort(Comparator.comparingLong(Entry::sequence));
        if (!entries.isEmpty()) {
            nextSequence.set(entries.getLast().sequence() + 1);
        }
        return new Recovery(List.copyOf(entries), partial, corrupt);
    }

    /** Writes the profile durably and returns its entry; on failure nothing is left behind. */
    public Entry write(ExportedProfile profile) throws IOException {
        byte[] record = SpoolRecord.encode(profile);
        long sequence = nextSequence.getAndIncrement();
        Path target = directory.resolve("%019d.prof".formatted(sequence));
        Path temp = directory.resolve(target.getFileName() + TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(record);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return new Entry(sequence, target, record.length);
    }

    /** Reads a spooled profile back, verifying its checksum. */
    public ExportedProfile read(Entry entry) throws IOException, CorruptSpoolFileException {
        try {
            return SpoolRecord.decode(Files.readAllBytes(entry.file()));
        } catch (NoSuchFileException e) {
            throw new CorruptSpoolFileException("file vanished: " + entry.file());
        }
    }

    public void delete(Entry entry) throws IOException {
        Files.deleteIfExists(entry.file());
    }

    private static byte[] readPrefix(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(SpoolRecord.PREFIX_BYTES);
        }
    }
}
