package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.address.SortedAddresses;
import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Names functions from a Go binary's pc/line table ({@code .gopclntab}), which the Go runtime
 * needs for tracebacks and which therefore survives {@code go build -ldflags='-s -w'}. Supports the
 * table layouts of Go 1.2-1.15 (magic {@code 0xFFFFFFFB}), 1.16-1.17 ({@code 0xFFFFFFFA}),
 * 1.18-1.19 ({@code 0xFFFFFFF0}) and 1.20+ ({@code 0xFFFFFFF1}), in either byte order.
 *
 * <p>The table is found by section name, or, when the section headers are gone, by scanning the
 * read-only load segments for a plausible header ({@link GoPclntabHeader}). It stays in the file: opening it reads the
 * header and every 64th entry of the sorted function table (8 bytes of heap per
 * 64 functions), and a lookup reads one slice of the function table, one {@code
 * _func} name field and one name, each checked against the table bounds. A 40 MB table of a large
 * binary therefore costs kilobytes of heap, not its size. Opening charges the file's {@link
 * ParseBudget}: a table whose offsets point all over the file (so no read is cached) runs out of
 * read budget instead of stalling the collector. A function's pcsp table decodes into
 * {@link GoSpDeltas}.
 *
 * <p>One file past the usual size: the lookups, the names, the SP deltas and the search for the
 * text start all read the one function table through the same bounded reads of the file.
 */
public final class GoPclntab {

    private static final int MAX_NAME_LENGTH = 8192;
    private static final int NAME_PROBE_BYTES = 128;
    private static final int STRIDE = 64;
    private static final int BLOCK_BYTES = 64 << 10;
    /** Blocks for reads that jump (a record, a name per function): small, so a jump wastes little. */
    private static final int RANDOM_BLOCK_BYTES = 4096;
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
    GoPclntab(ByteSource source, ByteOrder order, int functionCount, int fieldSize, long functab, long funcData, long funcDataEnd,
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
        return GoPclntabHeader.find(elf);
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
        return GoPclntabHeader.parse(source, offset, size, textStart, entryPoint, ParseBudget.of(ElfFile.limits()));
    }

    /** As {@link #parse(ByteSource, long, long, long, long)}, charging {@code budget}. */
    public static GoPclntab parse(ByteSource source, long offset, long size, long textStart, long entryPoint, ParseBudget budget)
            throws IOException, ElfFormatException {
        return GoPclntabHeader.parse(source, offset, size, textStart, entryPoint, budget);
    }

    GoPclntab rebased(long base) throws IOException, ElfFormatException {
        return new GoPclntab(source, order, functionCount, fieldSize, functab, funcData, funcDataEnd, nameFieldOffset, names, namesEnd, base,
                pcTable, pcQuantum, budget);
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
    public GoSpDeltas spDeltas(long address) throws IOException, ElfFormatException {
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
            return new GoSpDeltas(entry, end, new int[0], new int[0]);
        }
        long pcsp = Integer.toUnsignedLong(ByteBuffer.wrap(source.read(pcspFieldAt, 4)).order(order).getInt());
        if (pcsp == 0 || pcsp >= funcDataEnd - pcTable) {
            return new GoSpDeltas(entry, end, new int[0], new int[0]);
        }
        int available = (int) Math.min(GoSpDeltas.MAX_PC_VALUE_BYTES, funcDataEnd - (pcTable + pcsp));
        byte[] table = source.read(pcTable + pcsp, available);
        return GoSpDeltas.decode(entry, end, table, pcQuantum);
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
    long entryOffsetOfRt0() throws IOException, ElfFormatException {
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
}
