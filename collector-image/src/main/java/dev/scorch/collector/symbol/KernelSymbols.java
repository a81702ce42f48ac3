package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.GnuBuildId;
import dev.scorch.collector.symbol.elf.SymbolTable;
import dev.scorch.collector.symbol.elf.SymbolTableBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Kernel text symbols from {@code /proc/kallsyms} ({@code address type name [module]}), kept in
 * compact form for binary search ({@link KernelSymbolsTable}), and the kernel's build id from
 * {@code /sys/kernel/notes}. When the collector lacks CAP_SYSLOG the kernel shows every address as
 * zero ({@code kptr_restrict}); that is reported as its own miss reason rather than as "no symbol".
 */
final class KernelSymbols {

    private static final int MAX_LINE_BYTES = 1024;
    private static final long MAX_FILE_BYTES = 256L << 20;
    private static final int MAX_NOTES_BYTES = 64 << 10;

    /** The table, or null when it is kept as {@link #wide} (or there is none). */
    private final KernelSymbolsTable compact;
    /** A table whose starts span more than 4 GiB, which no kernel has: kept as any object's symbols. */
    private final ObjectSymbols wide;
    private final MissReason unavailable;
    private final String buildId;

    private KernelSymbols(KernelSymbolsTable compact, ObjectSymbols wide, MissReason unavailable, String buildId) {
        this.compact = compact;
        this.wide = wide;
        this.unavailable = unavailable;
        this.buildId = buildId;
    }

    static KernelSymbols load(Path kallsyms, Path notes) {
        String buildId = readBuildId(notes);
        try (InputStream counting = Files.newInputStream(kallsyms); InputStream in = Files.newInputStream(kallsyms)) {
            Parsed parsed = parse(in, count(counting));
            if (parsed.count() == 0) {
                return new KernelSymbols(null, null, parsed.sawOnlyZeroAddresses ? MissReason.KERNEL_ADDRESSES_HIDDEN : MissReason.KALLSYMS_UNREADABLE,
                        buildId);
            }
            return of(parsed, buildId);
        } catch (IOException e) {
            return new KernelSymbols(null, null, MissReason.KALLSYMS_UNREADABLE, buildId);
        }
    }

    static KernelSymbols of(Parsed parsed, String buildId) {
        KernelSymbolsTable compact = KernelSymbolsTable.of(parsed.count(), parsed.addresses(), parsed.names(), parsed.nameStarts());
        return compact != null ? new KernelSymbols(compact, null, null, buildId)
                : new KernelSymbols(null, ObjectSymbols.absolute(parsed.table()), null, buildId);
    }

    /** Why kernel frames cannot be named, or null when they can. */
    MissReason unavailable() {
        return unavailable;
    }

    String buildId() {
        return buildId;
    }

    int size() {
        return compact != null ? compact.size() : wide == null ? 0 : wide.functionCount();
    }

    /** Heap bytes the table holds. */
    long estimatedBytes() {
        return compact != null ? compact.estimatedBytes() : wide == null ? 0 : wide.estimatedBytes();
    }

    Symbolization symbolize(long address, boolean returnAddress) {
        if (compact != null) {
            String name = compact.nameAt(returnAddress ? address - 1 : address);
            return name == null ? Symbolization.missed(MissReason.NO_SYMBOL_AT_ADDRESS) : Symbolization.of(SymbolizedFrame.named(name));
        }
        if (wide != null) {
            return wide.symbolize(null, address, returnAddress);
        }
        return Symbolization.missed(unavailable);
    }

    /**
     * The text symbols of a kallsyms in the order listed: symbol {@code i} at {@code addresses[i]}
     * named {@code names[nameStarts[i], nameStarts[i + 1])}.
     */
    record Parsed(int count, long[] addresses, byte[] names, int[] nameStarts, boolean sawOnlyZeroAddresses) {

        /** The same symbols as a {@link SymbolTable}, for starts spanning more than 4 GiB. */
        SymbolTable table() {
            SymbolTableBuilder builder = SymbolTable.builder(count, names.length);
            for (int i = 0; i < count; i++) {
                builder.add(addresses[i], 0, names, nameStarts[i], nameStarts[i + 1] - nameStarts[i]);
            }
            return builder.build();
        }
    }

    /** How many text symbols a kallsyms holds and the bytes of their names. */
    record Count(int symbols, int nameBytes) {}

    private interface TextSymbols {
        void accept(long address, byte[] line, int nameStart, int nameLength);
    }

    /**
     * Counts the text symbols first, so that {@link #parse(InputStream, Count)} fills exact-size
     * arrays: growing them by doubling held 8 MiB for a 121,000-symbol kernel and twice the names'
     * 2.9 MB at its last copy, the largest burst of a 24 MiB heap's live set.
     */
    static Count count(InputStream in) throws IOException {
        long[] count = new long[2];
        scan(in, (address, line, nameStart, nameLength) -> {
            count[0]++;
            count[1] += nameLength;
        });
        return new Count((int) Math.min(Integer.MAX_VALUE, count[0]), (int) Math.min(Integer.MAX_VALUE, count[1]));
    }

    /**
     * Keeps text symbols ({@code t}/{@code T}); a non-zero address anywhere proves addresses are
     * visible. Arrays sized by {@code expected} grow if the file gained symbols since it was counted.
     */
    static Parsed parse(InputStream in, Count expected) throws IOException {
        var parsed = new Object() {
            int count;
            long[] addresses = new long[Math.max(1, expected.symbols())];
            int[] nameStarts = new int[Math.max(1, expected.symbols()) + 1];
            byte[] names = new byte[Math.max(1, expected.nameBytes())];
        };
        boolean sawLine = scan(in, (address, line, nameStart, nameLength) -> {
            int n = parsed.count;
            if (n == parsed.addresses.length) {
                parsed.addresses = Arrays.copyOf(parsed.addresses, n * 2);
                parsed.nameStarts = Arrays.copyOf(parsed.nameStarts, n * 2 + 1);
            }
            int at = parsed.nameStarts[n];
            if (at + nameLength > parsed.names.length) {
                parsed.names = Arrays.copyOf(parsed.names, Math.max(parsed.names.length * 2, at + nameLength));
            }
            System.arraycopy(line, nameStart, parsed.names, at, nameLength);
            parsed.addresses[n] = address;
            parsed.nameStarts[n + 1] = at + nameLength;
            parsed.count++;
        });
        return new Parsed(parsed.count, parsed.addresses, parsed.names, parsed.nameStarts, sawLine && parsed.count == 0);
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
            String id = GnuBuildId.inNotes(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()));
            return id == null ? "" : id;
        } catch (IOException e) {
            return "";
        }
    }
}
