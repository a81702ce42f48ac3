package dev.scorch.collector.symbol.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Function address ranges of one object, sorted for binary search, in a compact form: 4-byte
 * address offsets with ends derived from the next start where they can be ({@link AddressRanges}),
 * 4-byte name offsets, and names either in one byte array of UTF-8 (names parsed from a stream:
 * kallsyms, perf maps; their lengths follow from the next name's offset) or left in the object
 * file's string table and read when a lookup hits (ELF symbols, with a 4-byte length each). A
 * kernel's table costs about 8 bytes per function plus its names, a large binary's about 16.
 */
public final class SymbolTable {

    /** The source of a name held in the table's own bytes rather than in a file. */
    static final byte IN_HEAP = -1;
    private static final SymbolTable EMPTY = new SymbolTable(AddressRanges.of(0, i -> 0, i -> 0), new int[0], null, null, IN_HEAP,
            new byte[0], new ByteSource[0], new long[0]);

    private final AddressRanges ranges;
    private final int[] nameOffsets;
    /** Null when every name is in {@link #names}, in order: a length is the distance to the next offset. */
    private final int[] nameLengths;
    /** Null when every name has the one source {@link #onlySource}. */
    private final byte[] nameSources;
    private final byte onlySource;
    private final byte[] names;
    private final ByteSource[] files;
    /** Where each file's string table begins in it: a name's offset is relative to its table. */
    private final long[] fileTableOffsets;

    SymbolTable(AddressRanges ranges, int[] nameOffsets, int[] nameLengths, byte[] nameSources, byte onlySource, byte[] names,
            ByteSource[] files, long[] fileTableOffsets) {
        this.ranges = ranges;
        this.nameOffsets = nameOffsets;
        this.nameLengths = nameLengths;
        this.nameSources = nameSources;
        this.onlySource = onlySource;
        this.names = names;
        this.files = files;
        this.fileTableOffsets = fileTableOffsets;
    }

    public static SymbolTable empty() {
        return EMPTY;
    }

    public static SymbolTableBuilder builder() {
        return new SymbolTableBuilder(64, 1 << 12);
    }

    /**
     * A builder sized for {@code symbols} symbols whose names, copied by {@link
     * SymbolTableBuilder#add(long, long, byte[], int, int)}, take {@code nameBytes}: a caller that
     * counted them first builds without growing (and copying) its arrays, whose doubling left up to
     * half of them unused and held old and new at once. More symbols than that still fit.
     */
    public static SymbolTableBuilder builder(int symbols, int nameBytes) {
        return new SymbolTableBuilder(Math.max(1, symbols), Math.max(1, nameBytes));
    }

    /**
     * The function containing link-time virtual address {@code address}, or null.
     *
     * @throws UncheckedIOException when the name lies in a file that can no longer be read
     */
    public Hit lookup(long address) {
        int found = ranges.floor(address);
        if (found < 0) {
            return null;
        }
        long start = ranges.start(found);
        if (Long.compareUnsigned(address, ranges.end(found, start)) >= 0) {
            return null;
        }
        return new Hit(name(found), start);
    }

    private String name(int index) {
        int offset = nameOffsets[index];
        byte source = nameSources == null ? onlySource : nameSources[index];
        if (source == IN_HEAP) {
            int length = nameLengths != null ? nameLengths[index]
                    : (index + 1 < nameOffsets.length ? nameOffsets[index + 1] : names.length) - offset;
            return new String(names, offset, length, StandardCharsets.UTF_8);
        }
        long fileOffset = fileTableOffsets[source] + Integer.toUnsignedLong(offset);
        try {
            return new String(files[source].read(fileOffset, nameLengths[index]), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a symbol name at offset " + fileOffset, e);
        } catch (ElfFormatException e) {
            throw new UncheckedIOException(new IOException("the object file changed under its symbol table: " + e.getMessage(), e));
        }
    }

    /** A function found by {@link #lookup}: its name and start address. */
    public record Hit(String name, long start) {}

    public int size() {
        return ranges.size();
    }

    /** Heap bytes this table holds, for the cache's memory bound (array headers at 16 bytes). */
    public long estimatedBytes() {
        return 48 + ranges.estimatedBytes() + 16 + nameOffsets.length * 4L + (nameLengths == null ? 0 : 16 + nameLengths.length * 4L)
                + (nameSources == null ? 0 : 16 + nameSources.length) + 16 + names.length + 16 + files.length * 12L;
    }
}
