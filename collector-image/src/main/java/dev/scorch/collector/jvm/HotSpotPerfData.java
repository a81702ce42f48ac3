package dev.scorch.collector.jvm;

import dev.scorch.collector.symbol.RegularFileOpener;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a HotSpot JVM's performance data file ({@code /tmp/hsperfdata_<user>/<nspid>}, which the
 * JVM maps shared unless run with {@code -XX:-UsePerfData}) says of its attach mechanism: the
 * counter {@code sun.rt.jvmCapabilities} is a string of flags whose first is {@code 1} when the
 * mechanism is enabled and {@code 0} under {@code -XX:+DisableAttachMechanism}. It tells a JVM
 * that will never answer from one that answers slowly, without a signal (a JVM whose attach
 * mechanism is disabled prints a thread dump for every SIGQUIT).
 *
 * <p>The file is found through the JVM's own mappings (the path as the JVM sees it, and the inode,
 * so a file put in its place is not read) and opened inside the JVM's root; it is read to a bound
 * and parsed defensively: any malformed field means unknown.
 */
final class HotSpotPerfData {

    /** What the file says of the attach mechanism. */
    enum Attach { ENABLED, DISABLED, UNKNOWN }

    private static final int MAX_MAPS_BYTES = 4 << 20;
    private static final int MAX_FILE_BYTES = 256 << 10;
    private static final int MAGIC = 0xcafec0c0;
    private static final int PROLOGUE_BYTES = 32;
    private static final int ENTRY_HEADER_BYTES = 20;
    private static final String CAPABILITIES = "sun.rt.jvmCapabilities";

    private HotSpotPerfData() {}

    /** What the file of JVM {@code pid} says, {@link Attach#UNKNOWN} without one that can be read. */
    static Attach attach(Path procRoot, int pid) {
        String maps;
        try (InputStream in = Files.newInputStream(procRoot.resolve(pid + "/maps"))) {
            maps = new String(in.readNBytes(MAX_MAPS_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Attach.UNKNOWN;
        }
        for (String line : maps.split("\n")) {
            String[] fields = line.trim().split("\\s+", 6);
            if (fields.length == 6 && fields[5].startsWith("/tmp/hsperfdata_") && fields[1].contains("s")) {
                try {
                    return read(procRoot.resolve(pid + "/root"), fields[5], Long.parseLong(fields[4]));
                } catch (NumberFormatException e) {
                    return Attach.UNKNOWN;
                }
            }
        }
        return Attach.UNKNOWN;
    }

    private static Attach read(Path root, String path, long inode) {
        try {
            RegularFileOpener.OpenedFile file = RegularFileOpener.openInRoot(root, path);
            if (file == null) {
                return Attach.UNKNOWN;
            }
            try (FileChannel channel = file.channel()) {
                if (file.inode() != inode) {
                    return Attach.UNKNOWN;
                }
                ByteBuffer data = ByteBuffer.allocate((int) Math.min(MAX_FILE_BYTES, channel.size()));
                while (data.hasRemaining() && channel.read(data) > 0) {
                    // read to the bound
                }
                return parse(data.flip());
            }
        } catch (IOException e) {
            return Attach.UNKNOWN;
        }
    }

    /**
     * Parses the file: a prologue (magic {@code 0xcafec0c0}, byte order, versions, bytes used, the
     * first entry's offset and the entry count), then entries, each with its length, the offsets of
     * its name and data from its start, its vector length and type.
     */
    static Attach parse(ByteBuffer data) {
        if (data.remaining() < PROLOGUE_BYTES || data.order(ByteOrder.BIG_ENDIAN).getInt(0) != MAGIC) {
            return Attach.UNKNOWN;
        }
        data.order(data.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long end = Math.min(data.limit(), Integer.toUnsignedLong(data.getInt(8)));
        long entry = data.getInt(24);
        int entries = data.getInt(28);
        for (int i = 0; i < entries && entry >= PROLOGUE_BYTES && entry + ENTRY_HEADER_BYTES <= end; i++) {
            int at = (int) entry;
            int length = data.getInt(at);
            int nameOffset = data.getInt(at + 4);
            int vectorLength = data.getInt(at + 8);
            int dataOffset = data.getInt(at + 16);
            if (length < ENTRY_HEADER_BYTES || nameOffset < ENTRY_HEADER_BYTES || nameOffset >= length || (long) at + length > end) {
                return Attach.UNKNOWN;
            }
            if (nameIs(data, at + nameOffset, at + length, CAPABILITIES)) {
                if (vectorLength < 1 || dataOffset < nameOffset || dataOffset >= length) {
                    return Attach.UNKNOWN;
                }
                return switch (data.get(at + dataOffset)) {
                    case '1' -> Attach.ENABLED;
                    case '0' -> Attach.DISABLED;
                    default -> Attach.UNKNOWN;
                };
            }
            entry += length;
        }
        return Attach.UNKNOWN;
    }

    /** Whether the NUL-terminated name at {@code from} (before {@code limit}) is {@code name}. */
    private static boolean nameIs(ByteBuffer data, int from, int limit, String name) {
        if (from + name.length() >= limit) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (data.get(from + i) != name.charAt(i)) {
                return false;
            }
        }
        return data.get(from + name.length()) == 0;
    }
}
