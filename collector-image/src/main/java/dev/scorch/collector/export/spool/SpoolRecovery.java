package dev.scorch.collector.export.spool;

import dev.scorch.collector.export.spool.ProfileSpool.Entry;
import dev.scorch.collector.export.spool.ProfileSpool.Recovery;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a previous run left in one {@link ProfileSpool}, read at start. Survives whatever the
 * directory holds (a directory named like a temporary file, a name past the sequence range, a
 * sparse file declaring a huge length): what it cannot use is counted and, where possible,
 * removed, and only a directory that cannot be listed fails it. A file is checked against its
 * real size and the spool bound without being read whole.
 */
final class SpoolRecovery {

    private static final Pattern SPOOLED = Pattern.compile("(\\d{19})\\.prof");

    private SpoolRecovery() {}

    /** Creates {@code directory} when needed and lists what it holds; see {@link ProfileSpool#recover()}. */
    static Recovery scan(Path directory, long maxRecordBytes) throws IOException {
        Files.createDirectories(directory);
        List<Entry> entries = new ArrayList<>();
        int partial = 0;
        int corrupt = 0;
        int unrecoverable = 0;
        int possiblyDelivered = 0;
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            try {
                if (name.endsWith(ProfileSpool.TEMP_SUFFIX) || name.endsWith(ProfileSpool.POSSIBLY_DELIVERED_SUFFIX)) {
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        unrecoverable++;
                        continue;
                    }
                    Files.deleteIfExists(file);
                    if (name.endsWith(ProfileSpool.TEMP_SUFFIX)) {
                        partial++;
                    } else {
                        possiblyDelivered++;
                    }
                    continue;
                }
                var matcher = SPOOLED.matcher(name);
                if (!matcher.matches()) {
                    continue; // not ours
                }
                long sequence = sequenceOf(matcher.group(1));
                if (sequence < 0 || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    unrecoverable++;
                    continue;
                }
                long size = Files.size(file);
                if (size > maxRecordBytes || SpoolRecord.declaredLength(readPrefix(file)) != size) {
                    Files.deleteIfExists(file);
                    corrupt++;
                    continue;
                }
                entries.add(new Entry(sequence, file, size));
            } catch (IOException | RuntimeException e) {
                unrecoverable++;
            }
        }
        entries.sort(Comparator.comparingLong(Entry::sequence));
        return new Recovery(List.copyOf(entries), partial, corrupt, unrecoverable, possiblyDelivered);
    }

    /** The sequence a spool name carries, or -1 when it is beyond {@link ProfileSpool#MAX_SEQUENCE}. */
    private static long sequenceOf(String digits) {
        try {
            long sequence = Long.parseLong(digits);
            return sequence <= ProfileSpool.MAX_SEQUENCE ? sequence : -1;
        } catch (NumberFormatException beyondLong) {
            return -1;
        }
    }

    private static byte[] readPrefix(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(SpoolRecord.PREFIX_BYTES);
        }
    }
}
