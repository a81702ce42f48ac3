package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.scorch.collector.symbol.elf.ElfFile;

/**
 * Kernel text symbols from {@code /proc/kallsyms} ({@code address type name [module]}), kept as a
 * sorted table for binary search, and the kernel's build id from {@code /sys/kernel/notes}. When the
 * collector lacks CAP_SYSLOG the kernel shows every address as zero ({@code kptr_restrict}); that
 * is reported as its own miss reason rather than as "no symbol".
 */
final class KernelSymbols {

    private static final int MAX_LINE_BYTES = 1024;
    private static final long MAX_FILE_BYTES = 256L << 20;
    private static final int MAX_NOTES_BYTES = 64 << 10;

    private final ObjectSymbols symbols;
    private final MissReason unavailable;
    private final String buildId;

    private KernelSymbols(ObjectSymbols symbols, MissReason unavailable, String buildId) {
        this.symbols = symbols;
        this.unavailable = unavailable;
        this.buildId = buildId;
    }

    static KernelSymbols load(Path kallsyms, Path notes) {
        String buildId = readBuildId(notes);
        try (InputStream counting = Files.newInputStream(kallsyms); InputStream in = Files.newInputStream(kallsyms)) {
            Count count = count(counting);
            Parsed parsed = parse(in, SymbolTable.builder(count.symbols(), count.nameBytes()));
            if (parsed.table.size() == 0) {
                return new KernelSymbols(null, parsed.sawOnlyZeroAddresses ? MissReason.KERNEL_ADDRESSES_HIDDEN : MissReason.KALLSYMS_UNREADABLE,
                        buildId);
            }
            return new KernelSymbols(ObjectSymbols.absolute(parsed.table), null, buildId);
        } catch (IOException e) {
            return new KernelSymbols(null, MissReason.KALLSYMS_UNREADABLE, buildId);
        }
    }

    /** Why kernel frames cannot be named, or null when they can. */
    MissReason unavailable() {
        return unavailable;
    }

    String buildId() {
        return buildId;
    }

    int size() {
        return symbols == null ? 0 : symbols.functionCount();
    }

    Symbolization symbolize(long address, boolean returnAddress) {
        if (symbols == null) {
            return Symbolization.missed(unavailable);
        }
        return symbols.symbolize(null, address, returnAddress);
    }

    record Parsed(SymbolTable table, boolean sawOnlyZeroAddresses) {}

    /** How many text symbols a kallsyms holds and the bytes of their names. */
    record Count(int symbols, int nameBytes) {}

    private interface TextSymbols {
        void accept(long address, byte[] line, int nameStart, int nameLength);
    }

    /**
     * Counts the text symbols first, so that {@link #parse(InputStream, SymbolTable.Builder)} fills
     * exact-size arrays: growing them by doubling held 8 MiB for a 121,000-symbol kernel and twice
     * the names' 2.9 MB at its last copy, the largest burst of a 24 MiB heap's live set.
     */
    static Count count(InputStream in) throws IOException {
        long[] count = new long[2];
        scan(in, (address, line, nameStart, nameLength) -> {
            count[0]++;
            count[1] += nameLength;
        });
        return new Count((int) Math.min(Integer.MAX_VALUE, count[0]), (int) Math.min(Integer.MAX_VALUE, count[1]));
    }

    static Parsed parse(InputStream in) throws IOException {
        return parse(in, SymbolTable.builder());
    }

    /** Keeps text symbols ({@code t}/{@code T}); a non-zero address anywhere proves addresses are visible. */
    static Parsed parse(InputStream in, SymbolTable.Builder builder) throws IOException {
        boolean sawLine = scan(in, (address, line, nameStart, nameLength) -> builder.add(address, 0, line, nameStart, nameLength));
        return new Parsed(builder.build(), sawLine && builder.count() == 0);
    }

    /** Hands every text symbol with a non-zero address to {@code text}; true when any line had kallsyms' shape. */
    private static boolean scan(InputStream in, TextSymbols text) throws IOException {
        boolean sawLine = false;
        byte[] buffer = new byte[64 * 1024];
        byte[] line = new byte[MAX_LINE_BYTES];
        int lineLength = 0;
        long total = 0;
        int read;
        while ((read = in.read(buffer)) > 0 && (total += read) <= MAX_FILE_BYTES) {
            for (int i = 0; i < read; i++) {
                byte b = buffer[i];
                if (b != '\n') {
                    if (lineLength < MAX_LINE_BYTES) {
                        line[lineLength++] = b;
                    }
                    continue;
                }
                // address(hex) ' ' type ' ' name ['\t[module]']
                int space = indexOf(line, 0, lineLength, (byte) ' ');
                if (space > 0 && space + 3 < lineLength && line[space + 2] == ' ') {
                    sawLine = true;
                    long address = parseHex(line, space);
                    byte type = line[space + 1];
                    if (address != 0 && (type == 't' || type == 'T')) {
                        int nameStart = space + 3;
                        int nameEnd = indexOf(line, nameStart, lineLength, (byte) '\t');
                        if (nameEnd < 0) {
                            nameEnd = lineLength;
                        }
                        text.accept(address, line, nameStart, nameEnd - nameStart);
                    }
                }
                lineLength = 0;
            }
        }
        return sawLine;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static long parseHex(byte[] bytes, int length) {
        if (length > 16) {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < length; i++) {
            int digit = Character.digit(bytes[i], 16);
            if (digit < 0) {
                return 0;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static String readBuildId(Path notes) {
        try (InputStream in = Files.newInputStream(notes)) {
            byte[] bytes = in.readNBytes(MAX_NOTES_BYTES);
            String id = ElfFile.buildIdInNotes(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()));
            return id == null ? "" : id;
        } catch (IOException e) {
            return "";
        }
    }
}
