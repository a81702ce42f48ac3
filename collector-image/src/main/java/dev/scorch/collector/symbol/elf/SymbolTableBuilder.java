package dev.scorch.collector.symbol.elf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects the symbols of a {@link SymbolTable} in any order. Names are referenced in their source
 * string table: a heap table's are copied once, compactly, by {@link #build}; a file table's stay
 * in the file. Of symbols that share a start address one is kept: one with a size over one
 * without, then the lowest preference value, then the first added (so callers add their preferred
 * source first).
 */
public final class SymbolTableBuilder {

    private record Table(byte[] bytes, ByteSource file, long fileOffset) {}

    private final List<Table> tables = new ArrayList<>();
    private long[] starts;
    /** Null while every size is 0 (kallsyms, perf maps without sizes): 8 bytes a symbol saved. */
    private long[] sizes;
    /** Null while every symbol names {@link #firstTableId}'s table. */
    private int[] tableIds;
    private int firstTableId = -1;
    private int[] nameOffsets;
    private int[] nameLengths;
    /** Null while every preference is 0. */
    private int[] preferences;
    private int count;
    private final int ownNamesCapacity;
    private int ownTable = -1;
    private byte[] ownNames;
    private int ownNamesUsed;

    SymbolTableBuilder(int capacity, int ownNamesCapacity) {
        starts = new long[capacity];
        nameOffsets = new int[capacity];
        nameLengths = new int[capacity];
        this.ownNamesCapacity = ownNamesCapacity;
    }

    /** Registers a string table that later {@link #add} calls refer to; returns its id. */
    public int table(byte[] table) {
        tables.add(new Table(table, null, 0));
        return tables.size() - 1;
    }

    /**
     * Registers a string table at {@code offset} of {@code file}, which the built table keeps
     * reading names from (the caller keeps the file open while the table is in use).
     */
    public int table(ByteSource file, long offset) {
        if (tables.stream().filter(t -> t.file() != null).count() == Byte.MAX_VALUE) {
            throw new IllegalStateException("too many string tables in files behind one symbol table");
        }
        tables.add(new Table(null, file, offset));
        return tables.size() - 1;
    }

    /**
     * Adds a function at {@code [start, start + size)}; size 0 means "until the next symbol".
     * The name is {@code table[nameOffset, nameOffset + nameLength)}, already bounds-checked.
     */
    public void add(long start, long size, int tableId, int nameOffset, int nameLength) {
        add(start, size, tableId, nameOffset, nameLength, 0);
    }

    /** As {@link #add(long, long, int, int, int)}, ranking aliases: a lower {@code preference} wins. */
    public void add(long start, long size, int tableId, int nameOffset, int nameLength, int preference) {
        if (count == starts.length) {
            int grown = count * 2;
            starts = Arrays.copyOf(starts, grown);
            sizes = sizes == null ? null : Arrays.copyOf(sizes, grown);
            tableIds = tableIds == null ? null : Arrays.copyOf(tableIds, grown);
            nameOffsets = Arrays.copyOf(nameOffsets, grown);
            nameLengths = Arrays.copyOf(nameLengths, grown);
            preferences = preferences == null ? null : Arrays.copyOf(preferences, grown);
        }
        starts[count] = start;
        if (size != 0 && sizes == null) {
            sizes = new long[starts.length];
        }
        if (sizes != null) {
            sizes[count] = size;
        }
        if (count == 0) {
            firstTableId = tableId;
        }
        if (tableId != firstTableId && tableIds == null) {
            tableIds = new int[starts.length];
            Arrays.fill(tableIds, 0, count, firstTableId);
        }
        if (tableIds != null) {
            tableIds[count] = tableId;
        }
        nameOffsets[count] = nameOffset;
        nameLengths[count] = nameLength;
        if (preference != 0 && preferences == null) {
            preferences = new int[starts.length];
        }
        if (preferences != null) {
            preferences[count] = preference;
        }
        count++;
    }

    /**
     * Adds a function named {@code name[offset, offset + length)}, copied now into a table the
     * builder keeps (names parsed from a stream, such as kallsyms: no table of the caller's).
     */
    public void add(long start, long size, byte[] name, int offset, int length) {
        if (ownTable < 0) {
            ownNames = new byte[Math.max(ownNamesCapacity, length)];
            tables.add(new Table(ownNames, null, 0));
            ownTable = tables.size() - 1;
        }
        if (ownNamesUsed + length > ownNames.length) {
            ownNames = Arrays.copyOf(ownNames, Math.max(ownNames.length * 2, ownNamesUsed + length));
            tables.set(ownTable, new Table(ownNames, null, 0));
        }
        System.arraycopy(name, offset, ownNames, ownNamesUsed, length);
        add(start, size, ownTable, ownNamesUsed, length);
        ownNamesUsed += length;
    }

    public int count() {
        return count;
    }

    public SymbolTable build() {
        if (count == 0) {
            return SymbolTable.empty();
        }
        int[] order = sortedByStart();
        int[] kept = new int[count];
        int keptCount = 0;
        for (int i = 0; i < count; i++) {
            int candidate = order[i];
            if (keptCount > 0 && starts[kept[keptCount - 1]] == starts[candidate]) {
                if (better(candidate, kept[keptCount - 1])) {
                    kept[keptCount - 1] = candidate;
                }
                continue;
            }
            kept[keptCount++] = candidate;
        }
        long nameBytes = 0;
        for (int i = 0; i < keptCount; i++) {
            if (tables.get(tableId(kept[i])).bytes() != null) {
                nameBytes += nameLengths[kept[i]];
            }
        }
        if (nameBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("symbol names exceed 2 GiB");
        }
        int[] outOffsets = new int[keptCount];
        int[] outLengths = new int[keptCount];
        byte[] outSources = new byte[keptCount];
        byte[] outNames = new byte[(int) nameBytes];
        byte[] sourceOfTable = new byte[tables.size()];
        List<Table> fileTables = new ArrayList<>();
        for (int t = 0; t < tables.size(); t++) {
            sourceOfTable[t] = tables.get(t).bytes() != null ? SymbolTable.IN_HEAP : (byte) fileTables.size();
            if (tables.get(t).bytes() == null) {
                fileTables.add(tables.get(t));
            }
        }
        int namePosition = 0;
        boolean onlyHeap = true;
        boolean oneSource = true;
        for (int i = 0; i < keptCount; i++) {
            int s = kept[i];
            Table table = tables.get(tableId(s));
            outLengths[i] = nameLengths[s];
            outSources[i] = sourceOfTable[tableId(s)];
            if (table.bytes() != null) {
                System.arraycopy(table.bytes(), nameOffsets[s], outNames, namePosition, nameLengths[s]);
                outOffsets[i] = namePosition;
                namePosition += nameLengths[s];
            } else {
                outOffsets[i] = nameOffsets[s];
                onlyHeap = false;
            }
            oneSource &= outSources[i] == outSources[0];
        }
        int ranges = keptCount;
        AddressRanges addresses = AddressRanges.of(ranges, i -> starts[kept[i]], i -> size(kept[i]) != 0 ? starts[kept[i]] + size(kept[i])
                : i + 1 < ranges ? starts[kept[i + 1]] : -1L); // -1: the unsigned maximum
        return new SymbolTable(addresses, outOffsets, onlyHeap ? null : outLengths,
                oneSource ? null : outSources, outSources[0], outNames,
                fileTables.stream().map(Table::file).toArray(ByteSource[]::new),
                fileTables.stream().mapToLong(Table::fileOffset).toArray());
    }

    private boolean better(int candidate, int incumbent) {
        boolean candidateSized = size(candidate) != 0;
        boolean incumbentSized = size(incumbent) != 0;
        if (candidateSized != incumbentSized) {
            return candidateSized;
        }
        return preference(candidate) < preference(incumbent);
    }

    private long size(int symbol) {
        return sizes == null ? 0 : sizes[symbol];
    }

    private int tableId(int symbol) {
        return tableIds == null ? firstTableId : tableIds[symbol];
    }

    private int preference(int symbol) {
        return preferences == null ? 0 : preferences[symbol];
    }

    /** Indices of the symbols in ascending unsigned start order, stable so the first added wins ties. */
    private int[] sortedByStart() {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        int[] scratch = new int[count];
        for (int width = 1; width < count; width *= 2) {
            for (int low = 0; low < count; low += 2 * width) {
                int mid = Math.min(low + width, count);
                int high = Math.min(low + 2 * width, count);
                int left = low;
                int right = mid;
                int out = low;
                while (left < mid && right < high) {
                    scratch[out++] = Long.compareUnsigned(starts[order[right]], starts[order[left]]) < 0 ? order[right++] : order[left++];
                }
                while (left < mid) {
                    scratch[out++] = order[left++];
                }
                while (right < high) {
                    scratch[out++] = order[right++];
                }
            }
            int[] swap = order;
            order = scratch;
            scratch = swap;
        }
        return order;
    }
}
