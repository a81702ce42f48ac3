package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.address.SortedAddresses;
import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Names functions from a Go binary's pc/line table ({@code .gopclntab}), which the Go runtime
 * needs for tracebacks and which therefore survives {@code go build -ldflags='-s -w'}. Supports the
 * table layouts of Go 1.2-1.15 (magic {@code 0xFFFFFFFB}), 1.16-1.17 ({@code 0xFFFFFFFA}),
 * 1.18-1.19 ({@code 0xFFFFFFF0}) and 1.20+ ({@code 0xFFFFFFF1}), in either byte order.
 *
 * <p>The table is found by section name, or, when the section headers are gone, by scanning the
 * read-only load segments for a plausible header. It stays in the file: opening it reads the
 * header and every 64th entry of the sorted function table (8 bytes of heap per
 * 64 functions), and a lookup reads one slice of the function table, one {@code
 * _func} name field and one name, each checked against the table bounds. A 40 MB table of a large
 * binary therefore costs kilobytes of heap, not its size. Opening charges the file's {@link
 * ParseBudget}: a table whose offsets point all over the file (so no read is cached) runs out of
 * read budget instead of stalling the collector.
 */
public final class GoPclntab {

    private static final int MAGIC_12 = 0xFFFFFFFB;
    private static final int MAGIC_116 = 0xFFFFFFFA;
    private static final int MAGIC_118 = 0xFFFFFFF0;
    private static final int MAGIC_120 = 0xFFFFFFF1;
    private static final long MAX_FUNCTIONS = 8_000_000;
    private static final long MAX_SCAN_BYTES = 512L << 20;
    private static final int SCAN_CHUNK = 256 << 10;
    private static final int MAX_NAME_LENGTH = 8192;
    private static final int NAME_PROBE_BYTES = 128;
    private static final int STRIDE = 64;
    private static final int BLOCK_BYTES = 64 << 10;
    /** Blocks for reads that jump (a record, a name per function): small, so a jump wastes little. */
    private static final int RANDOM_BLOCK_BYTES = 4096;
    private static final long FROM_ENTRY_POINT = -1;
    private static final byte[] RT0 = "_rt0_".getBytes(StandardCharsets.US_ASCII);

    private final ByteSource source;
    private final ByteOrder order;
    private final int functionCount;
    private final int fieldSize;
    private final long functab;
    private final long funcData;
    private final long funcDataEnd;
    private final int nameFieldOffset;
    private final long names;
    private final long namesEnd;
    private final long textBase;
    private final long pcTable;
    private final int pcQuantum;
    private final long[] sampledEntries;
    /** The end of the last function: the function table's final entry. */
    private final long textEnd;
    private final ParseBudget budget;
    /** A pcsp table longer than this is not believed (Go's are tens of bytes per function). */
    private static final int MAX_PC_VALUE_BYTES = 4096;
    /** A pcsp row takes two bytes at the least. */
    public static final int MAX_SP_DELTA_ROWS = MAX_PC_VALUE_BYTES / 2;
    /** An SP delta the table cannot tell. */
    public static final int UNKNOWN_SP_DELTA = Integer.MIN_VALUE;

    /**
     * @param functab file offset of the function table: {@code functionCount} pairs of (entry,
     *     {@code _func} offset) fields and a final end-of-text entry
     * @param funcData file offset that the {@code _func} offsets count from; {@code funcDataEnd} bounds them
     * @param nameFieldOffset where a {@code _func} record keeps its name offset
     * @param names file offset of the function name table, {@code namesEnd} its end
     * @param textBase added to every entry field (Go 1.18+ stores entries relative to the text start)
     * @param pcTable file offset that a {@code _func}'s pc-value table offsets (pcsp) count from
     * @param pcQuantum the instruction size quantum pc deltas are multiplied by
     */
    private GoPclntab(ByteSource source, ByteOrder order, int functionCount, int fieldSize, long functab, long funcData, long funcDataEnd,
            int nameFieldOffset, long names, long namesEnd, long textBase, long pcTable, int pcQuantum, ParseBudget budget)
            throws IOException, ElfFormatException {
        this.source = source;
        this.budget = budget;
        this.order = order;
        this.functionCount = functionCount;
        this.fieldSize = fieldSize;
        this.functab = functab;
        this.funcData = funcData;
        this.funcDataEnd = funcDataEnd;
        this.nameFieldOffset = nameFieldOffset;
        this.names = names;
        this.namesEnd = namesEnd;
        this.textBase = textBase;
        this.pcTable = pcTable;
        this.pcQuantum = pcQuantum;
        this.sampledEntries = sampleEntries();
        budget.read(fieldSize);
        this.textEnd = field(ByteBuffer.wrap(source.read(functab + 2L * functionCount * fieldSize, fieldSize)).order(order), 0) + textBase;
    }

    /** The pc/line table of {@code elf}, or null when the file has none. */
    public static GoPclntab find(ElfFile elf) throws IOException, ElfFormatException {
        Optional<ElfFile.Section> section = elf.section(".gopclntab");
        long textStart = elf.section(".text").map(ElfFile.Section::address).orElse(0L);
        if (section.isPresent() && section.get().type() != ElfFile.SHT_NOBITS) {
            ElfFile.Section s = section.get();
            elf.source().requireRange(s.offset(), s.size(), ".gopclntab");
            return parse(elf.source(), s.offset(), s.size(), textStart, elf.entry(), elf.budget());
        }
        if (!elf.sections().isEmpty()) {
            return null; // section headers present and no .gopclntab: not a Go binary
        }
        long found = scanForHeader(elf);
        if (found < 0) {
            return null;
        }
        return parse(elf.source(), found, elf.source().size() - found, textStart, elf.entry(), elf.budget());
    }

    /**
     * Opens the table at {@code [offset, offset + size)} of {@code source}, which must stay open
     * while the table is used.
     *
     * @param textStart the address of {@code runtime.text} (the {@code .text} section) when known, else
     *     0: then the table header's copy is used, and when that is 0 too (the linker leaves it to be
     *     filled at run time) the start is derived from the entry point, which is the function
     *     {@code _rt0_<arch>_<os>} in the table
     * @param entryPoint {@code e_entry} of the file
     */
    public static GoPclntab parse(ByteSource source, long offset, long size, long textStart, long entryPoint)
            throws IOException, ElfFormatException {
        return parse(source, offset, size, textStart, entryPoint, ParseBudget.of(ElfFile.limits()));
    }

    /** As {@link #parse(ByteSource, long, long, long, long)}, charging {@code budget}. */
    public static GoPclntab parse(ByteSource source, long offset, long size, long textStart, long entryPoint, ParseBudget budget)
            throws IOException, ElfFormatException {
        if (size < 16 || !source.contains(offset, size)) {
            throw new ElfFormatException(".gopclntab too short or outside the file");
        }
        budget.read(16);
        byte[] head = source.read(offset, 16);
        ByteOrder order = byteOrder(head);
        if (order == null) {
            throw new ElfFormatException(".gopclntab has an unknown magic");
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(order);
        int magic = h.getInt(0);
        int ptrSize = head[7];
        if (head[4] != 0 || head[5] != 0 || (ptrSize != 4 && ptrSize != 8) || !validQuantum(head[6])) {
            throw new ElfFormatException(".gopclntab header is malformed");
        }
        int headerWords = magic == MAGIC_12 ? 1 : magic == MAGIC_116 ? 7 : 8;
        long headerSize = 8L + (long) headerWords * ptrSize;
        if (size < headerSize) {
            throw new ElfFormatException(".gopclntab header truncated");
        }
        budget.read(headerSize);
        ByteBuffer header = ByteBuffer.wrap(source.read(offset, (int) headerSize)).order(order);
        long[] words = new long[headerWords];
        for (int i = 0; i < headerWords; i++) {
            words[i] = ptrSize == 8 ? header.getLong(8 + i * 8) : Integer.toUnsignedLong(header.getInt(8 + i * 4));
        }
        long functionCount = words[0];
        budget.require("go_functions", functionCount, MAX_FUNCTIONS);
        return switch (magic) {
            case MAGIC_118, MAGIC_120 -> {
                long base = textStart != 0 ? textStart : words[2] != 0 ? words[2] : FROM_ENTRY_POINT;
                yield modern(source, offset, size, order, (int) functionCount, 4, base, entryPoint, words[3], words[4], words[7], words[6],
                        head[6], budget);
            }
            case MAGIC_116 -> modern(source, offset, size, order, (int) functionCount, ptrSize, 0, entryPoint, words[2], words[3], words[6],
                    words[5], head[6], budget);
            default -> go12(source, offset, size, order, (int) functionCount, ptrSize, head[6], budget);
        };
    }

    /**
     * Go 1.16+: a function table of {@code (entry, funcoff)} pairs at {@code pclnOffset}, the
     * {@code _func} records after it (offsets from the table start); names in the separate {@code
     * funcnametab} (which ends where the compilation-unit table begins).
     */
    private static GoPclntab modern(ByteSource source, long offset, long size, ByteOrder order, int functionCount, int fieldSize,
            long textBase, long entryPoint, long namesOffset, long namesEnd, long pclnOffset, long pcTableOffset, int quantum, ParseBudget budget)
            throws IOException, ElfFormatException {
        if (namesEnd <= namesOffset || namesEnd > size) {
            namesEnd = Math.min(size, pclnOffset > namesOffset ? pclnOffset : size);
        }
        requireInside(size, namesOffset, namesEnd - namesOffset, "function name table");
        requireInside(size, pclnOffset, size - pclnOffset, "function table");
        requireFunctab(size - pclnOffset, functionCount, fieldSize);
        long pcln = offset + pclnOffset;
        // _func starts with the entry: a uint32 offset from 1.18, a uintptr before.
        long pcTable = pcTableOffset > 0 && pcTableOffset < size ? offset + pcTableOffset : -1;
        GoPclntab table = new GoPclntab(source, order, functionCount, fieldSize, pcln, pcln, offset + size, fieldSize, offset + namesOffset,
                offset + namesEnd, textBase == FROM_ENTRY_POINT ? 0 : textBase, pcTable, quantum, budget);
        return textBase == FROM_ENTRY_POINT ? table.rebased(entryPoint - table.entryOffsetOfRt0()) : table;
    }

    /** Go 1.2-1.15: the function table follows the header; {@code _func} and name offsets count from the table start. */
    private static GoPclntab go12(ByteSource source, long offset, long size, ByteOrder order, int functionCount, int ptrSize,
            int quantum, ParseBudget budget) throws IOException, ElfFormatException {
        int functabStart = 8 + ptrSize;
        requireFunctab(size - functabStart, functionCount, ptrSize);
        return new GoPclntab(source, order, functionCount, ptrSize, offset + functabStart, offset, offset + size, ptrSize, offset,
                offset + size, 0, offset, quantum, budget);
    }

    private GoPclntab rebased(long base) throws IOException, ElfFormatException {
        return new GoPclntab(source, order, functionCount, fieldSize, functab, funcData, funcDataEnd, nameFieldOffset, names, namesEnd, base,
                pcTable, pcQuantum, budget);
    }

    private static void requireInside(long tableSize, long start, long length, String what) throws ElfFormatException {
        if (start < 0 || length < 0 || start > tableSize || length > tableSize - start) {
            throw new ElfFormatException(".gopclntab " + what + " lies outside the table");
        }
    }

    private static void requireFunctab(long available, int functionCount, int fieldSize) throws ElfFormatException {
        if ((2L * functionCount + 1) * fieldSize > available) {
            throw new ElfFormatException(".gopclntab function table truncated");
        }
    }

    /** Number of functions in the table. */
    public int size() {
        return functionCount;
    }

    /** Heap bytes held, for the cache bound: the sampled entries, not the table. */
    public long estimatedBytes() {
        return 128 + sampledEntries.length * 8L;
    }

    /**
     * The function containing link-time virtual address {@code address}, or null; reads only the
     * 64 function-table entries around it, its {@code _func} name field and its name.
     */
    public SymbolTable.Hit lookup(long address) throws IOException, ElfFormatException {
        long[] function = function(address);
        if (function == null) {
            return null;
        }
        String name = name(function[1]);
        return name == null ? null : new SymbolTable.Hit(name, function[0]);
    }

    /**
     * The SP-delta table of the function containing link-time address {@code address}, from its
     * pcsp table: at each of its addresses, how far the stack pointer is below its value at entry
     * (where the return address sits), so the caller's return address is at {@code sp + delta}
     * whether or not the function set up a frame. Reads the function table slice, the {@code _func}
     * field and the pcsp table once for the whole function. A function whose pcsp table is missing
     * or points outside the table has no rows; null when no function contains the address (outside
     * the table's text, that is known without reading the file).
     */
    public SpDeltas spDeltas(long address) throws IOException, ElfFormatException {
        if (Long.compareUnsigned(address, textEnd) >= 0) {
            return null;
        }
        long[] function = function(address);
        if (function == null) {
            return null;
        }
        long entry = function[0];
        long end = function[2];
        long pcspFieldAt = funcData + function[1] + nameFieldOffset + 12;
        if (pcTable < 0 || function[1] < 0 || function[1] > funcDataEnd - funcData || pcspFieldAt > funcDataEnd - 4) {
            return new SpDeltas(entry, end, new int[0], new int[0]);
        }
        long pcsp = Integer.toUnsignedLong(ByteBuffer.wrap(source.read(pcspFieldAt, 4)).order(order).getInt());
        if (pcsp == 0 || pcsp >= funcDataEnd - pcTable) {
            return new SpDeltas(entry, end, new int[0], new int[0]);
        }
        int available = (int) Math.min(MAX_PC_VALUE_BYTES, funcDataEnd - (pcTable + pcsp));
        byte[] table = source.read(pcTable + pcsp, available);
        int[] ends = new int[available / 2];
        int[] values = new int[ends.length];
        int rows = 0;
        int position = 0;
        long offset = 0;
        long size = Math.min(end - entry, Integer.MAX_VALUE);
        int value = -1;
        long[] read = new long[1];
        for (boolean first = true; rows < ends.length && offset < size; first = false) {
            int next = varint(table, position, read);
            if (next < 0 || (read[0] == 0 && !first)) {
                break; // a zero value delta after the first row ends the table
            }
            value += (int) ((read[0] & 1) != 0 ? ~(read[0] >>> 1) : read[0] >>> 1);
            position = varint(table, next, read);
            if (position < 0 || Long.compareUnsigned(read[0], size) > 0) {
                break;
            }
            offset = Math.min(size, offset + read[0] * pcQuantum);
            ends[rows] = (int) offset;
            values[rows] = value;
            rows++;
        }
        return new SpDeltas(entry, end, Arrays.copyOf(ends, rows), Arrays.copyOf(values, rows));
    }

    /**
     * One function's SP deltas: {@code values[i]} holds at offsets from {@code entry} below
     * {@code ends[i]} (ascending) and at or above the previous end; past the last end the table
     * does not say.
     */
    public record SpDeltas(long entry, long end, int[] ends, int[] values) {

        public boolean contains(long address) {
            return Long.compareUnsigned(address, entry) >= 0 && Long.compareUnsigned(address, end) < 0;
        }

        /** The SP delta at {@code address} of this function, or {@link GoPclntab#UNKNOWN_SP_DELTA}. */
        public int at(long address) {
            long offset = address - entry;
            for (int i = 0; i < ends.length; i++) {
                if (offset < ends[i]) {
                    return values[i];
                }
            }
            return UNKNOWN_SP_DELTA;
        }
    }

    /** Reads an unsigned varint at {@code at} into {@code into[0]}; the position after it, or -1 past the end. */
    private static int varint(byte[] bytes, int at, long[] into) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at >= bytes.length) {
                return -1;
            }
            int b = bytes[at++] & 0xFF;
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                into[0] = value;
                return at;
            }
        }
        return -1;
    }

    /** {entry, _func offset} of the function containing {@code address}, or null. */
    private long[] function(long address) throws IOException, ElfFormatException {
        int sample = SortedAddresses.floor(sampledEntries, address);
        if (sample < 0) {
            return null;
        }
        int first = sample * STRIDE;
        int last = Math.min(first + STRIDE, functionCount); // the entry at functionCount ends the last function
        int fields = 2 * (last - first) + 1;
        ByteBuffer slice = ByteBuffer.wrap(source.read(functab + 2L * first * fieldSize, fields * fieldSize)).order(order);
        int found = -1;
        for (int i = 0; i < last - first; i++) {
            if (Long.compareUnsigned(field(slice, 2 * i * fieldSize) + textBase, address) <= 0) {
                found = i;
            } else {
                break;
            }
        }
        if (found < 0) {
            return null;
        }
        long entry = field(slice, 2 * found * fieldSize) + textBase;
        long next = field(slice, (2 * found + 2) * fieldSize) + textBase;
        if (Long.compareUnsigned(next, entry) <= 0 || Long.compareUnsigned(address, next) >= 0) {
            return null;
        }
        return new long[] {entry, field(slice, (2 * found + 1) * fieldSize), next};
    }

    /** The name of the {@code _func} at {@code funcOffset}, or null when its fields point nowhere valid. */
    private String name(long funcOffset) throws IOException, ElfFormatException {
        long nameFieldAt = funcData + funcOffset + nameFieldOffset;
        if (funcOffset < 0 || funcOffset > funcDataEnd - funcData || nameFieldAt > funcDataEnd - 4) {
            return null;
        }
        int nameOffset = ByteBuffer.wrap(source.read(nameFieldAt, 4)).order(order).getInt();
        if (nameOffset < 0 || nameOffset >= namesEnd - names) {
            return null;
        }
        long at = names + nameOffset;
        int available = (int) Math.min(MAX_NAME_LENGTH, namesEnd - at);
        for (int probe = Math.min(NAME_PROBE_BYTES, available); ; probe = Math.min(probe * 4, available)) {
            byte[] bytes = source.read(at, probe);
            for (int i = 0; i < probe; i++) {
                if (bytes[i] == 0) {
                    return i == 0 ? null : new String(bytes, 0, i, StandardCharsets.UTF_8);
                }
            }
            if (probe == available) {
                return null; // unterminated or too long
            }
        }
    }

    /** Entry of every 64th function, read in one sequential pass over the function table. */
    private long[] sampleEntries() throws IOException, ElfFormatException {
        int count = (functionCount + STRIDE - 1) / STRIDE;
        budget.heap(count * 8L);
        budget.steps(count);
        long[] sampled = new long[count];
        BlockReader table = new BlockReader(source, order, BLOCK_BYTES, budget);
        for (int i = 0; i < sampled.length; i++) {
            sampled[i] = table.field(functab + 2L * i * STRIDE * fieldSize, fieldSize) + textBase;
        }
        return sampled;
    }


    /** The text offset of the entry-point function {@code _rt0_<arch>_<os>}, found in one pass over the table. */
    private long entryOffsetOfRt0() throws IOException, ElfFormatException {
        BlockReader table = new BlockReader(source, order, BLOCK_BYTES, budget);
        BlockReader records = new BlockReader(source, order, RANDOM_BLOCK_BYTES, budget);
        BlockReader nameBytes = new BlockReader(source, order, RANDOM_BLOCK_BYTES, budget);
        for (int i = 0; i < functionCount; i++) {
            budget.steps(1);
            long funcOffset = table.field(functab + (2L * i + 1) * fieldSize, fieldSize);
            long nameFieldAt = funcData + funcOffset + nameFieldOffset;
            if (funcOffset < 0 || funcOffset > funcDataEnd - funcData || nameFieldAt > funcDataEnd - 4) {
                continue;
            }
            int nameOffset = records.int32(nameFieldAt);
            if (nameOffset < 0 || nameOffset >= namesEnd - names) {
                continue;
            }
            long at = names + nameOffset;
            int length = nameBytes.cStringLength(at, namesEnd, MAX_NAME_LENGTH);
            if (length > 5 && startsWith(nameBytes, at, RT0) && countOf(nameBytes, at, length, (byte) '_') == 3) {
                return table.field(functab + 2L * i * fieldSize, fieldSize);
            }
        }
        throw new ElfFormatException(".gopclntab: text start unknown (no section headers, no header copy, no _rt0_ entry function)");
    }

    private static boolean startsWith(BlockReader bytes, long at, byte[] prefix) throws IOException, ElfFormatException {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes.byteAt(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int countOf(BlockReader bytes, long from, int length, byte wanted) throws IOException, ElfFormatException {
        int count = 0;
        for (long i = from; i < from + length; i++) {
            if (bytes.byteAt(i) == wanted) {
                count++;
            }
        }
        return count;
    }

    private long field(ByteBuffer table, int at) {
        return fieldSize == 8 ? table.getLong(at) : Integer.toUnsignedLong(table.getInt(at));
    }

    private static ByteOrder byteOrder(byte[] head) {
        int little = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (isMagic(little)) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        int big = ByteBuffer.wrap(head).order(ByteOrder.BIG_ENDIAN).getInt(0);
        return isMagic(big) ? ByteOrder.BIG_ENDIAN : null;
    }

    private static boolean isMagic(int value) {
        return value == MAGIC_12 || value == MAGIC_116 || value == MAGIC_118 || value == MAGIC_120;
    }

    private static boolean validQuantum(byte quantum) {
        return quantum == 1 || quantum == 2 || quantum == 4;
    }

    /** Offset of a plausible table header in a non-writable load segment, or -1. */
    private static long scanForHeader(ElfFile elf) throws IOException, ElfFormatException {
        ByteSource source = elf.source();
        ParseBudget budget = elf.budget();
        long scanned = 0;
        byte[] chunk = new byte[SCAN_CHUNK + 16];
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() != ElfFile.PT_LOAD || (segment.flags() & 2) != 0 || !source.contains(segment.offset(), segment.fileSize())) {
                continue;
            }
            long end = segment.offset() + segment.fileSize();
            for (long at = segment.offset(); at + 16 <= end && scanned < MAX_SCAN_BYTES; at += SCAN_CHUNK) {
                int length = (int) Math.min(SCAN_CHUNK + 16, end - at);
                budget.read(length);
                budget.steps(length / 4);
                source.read(at, chunk, length);
                scanned += length;
                for (int i = 0; i + 16 <= length; i += 4) {
                    if (plausibleHeader(chunk, i)) {
                        return at + i;
                    }
                }
            }
        }
        return -1;
    }

    private static boolean plausibleHeader(byte[] bytes, int at) {
        if (bytes[at + 4] != 0 || bytes[at + 5] != 0 || !validQuantum(bytes[at + 6]) || (bytes[at + 7] != 4 && bytes[at + 7] != 8)) {
            return false;
        }
        byte[] head = new byte[4];
        System.arraycopy(bytes, at, head, 0, 4);
        ByteOrder order = byteOrder(head);
        return order != null && ByteBuffer.wrap(head).order(order).getInt(0) != MAGIC_12;
    }
}
