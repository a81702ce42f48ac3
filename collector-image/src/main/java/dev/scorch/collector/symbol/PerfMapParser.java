package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import dev.scorch.collector.symbol.elf.SymbolTableBuilder;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import java.io.IOException;

/**
 * Parses a JIT's {@code perf-<pid>.map}: one {@code START SIZE name} line per symbol, START and
 * SIZE in hex with or without {@code 0x}. The file is written by the profiled process, so it is
 * read with bounds on total bytes, line length and entry count; malformed lines are skipped. A
 * later line for the same start address wins (code recompiled in place). Names stay in the file
 * (the table reads one when a lookup hits it): a map of long names costs its entries, not its size.
 * Reads and entries are charged to a {@link ParseBudget}; a map over it is refused whole.
 */
final class PerfMapParser {

    static final long MAX_FILE_BYTES = 128L << 20;
    static final int MAX_LINE_BYTES = 8192;
    static final int MAX_ENTRIES = 500_000;
    private static final int CHUNK_BYTES = 64 << 10;
    /** Heap per entry while the table is built (the builder's arrays grown by doubling, and the sort). */
    private static final int HEAP_PER_ENTRY = 96;

    private PerfMapParser() {}

    /** Per-object limits: 256 MiB read, 256 M steps, 16 MiB of heap (a fixed size, not a share of the heap). */
    static ParseBudget.Limits limits() {
        return new ParseBudget.Limits("perf_map", 256L << 20, 256L << 20, 16L << 20);
    }

    static SymbolTable parse(ByteSource file) throws IOException {
        return parse(file, MAX_FILE_BYTES, ParseBudget.of(limits()));
    }

    /** Parses the first {@code maxBytes} of {@code file}, which must stay open while the table is used. */
    static SymbolTable parse(ByteSource file, long maxBytes, ParseBudget budget) throws IOException {
        SymbolTableBuilder builder = SymbolTable.builder();
        int table = builder.table(file, 0);
        long limit = Math.min(file.size(), Math.min(maxBytes, Integer.MAX_VALUE));
        byte[] line = new byte[MAX_LINE_BYTES];
        byte[] buffer = new byte[CHUNK_BYTES];
        int lineLength = 0;
        long lineStart = 0;
        boolean overlong = false;
        for (long at = 0; at < limit && builder.count() < MAX_ENTRIES; at += buffer.length) {
            int read = (int) Math.min(buffer.length, limit - at);
            budget.read(read);
            budget.steps(read);
            try {
                file.read(at, buffer, read);
            } catch (ElfFormatException shrank) {
                break; // the JIT truncated its map: what was read still counts
            }
            for (int i = 0; i < read && builder.count() < MAX_ENTRIES; i++) {
                byte b = buffer[i];
                if (b != '\n') {
                    if (lineLength < MAX_LINE_BYTES) {
                        line[lineLength++] = b;
                    } else {
                        overlong = true;
                    }
                    continue;
                }
                if (!overlong) {
                    long[] parsed = parseLine(line, lineLength);
                    if (parsed != null) {
                        budget.heap(HEAP_PER_ENTRY);
                        // Later lines rank first: the builder keeps the lowest preference of equal starts.
                        builder.add(parsed[0], parsed[1], table, (int) (lineStart + parsed[2]), (int) (parsed[3] - parsed[2]),
                                Integer.MAX_VALUE - builder.count());
                    }
                }
                lineLength = 0;
                overlong = false;
                lineStart = at + i + 1;
            }
        }
        return builder.build();
    }

    /** {start, size, nameStart, nameEnd} or null when the line is not {@code hex hex name}. */
    private static long[] parseLine(byte[] line, int length) {
        int at = 0;
        long[] result = new long[4];
        for (int field = 0; field < 2; field++) {
            if (at + 1 < length && line[at] == '0' && (line[at + 1] == 'x' || line[at + 1] == 'X')) {
                at += 2;
            }
            int digits = 0;
            long value = 0;
            while (at < length && line[at] != ' ') {
                int digit = Character.digit(line[at], 16);
                if (digit < 0 || ++digits > 16) {
                    return null;
                }
                value = (value << 4) | digit;
                at++;
            }
            if (digits == 0 || at >= length) {
                return null;
            }
            result[field] = value;
            at++; // the space
        }
        int end = length;
        if (end > at && line[end - 1] == '\r') {
            end--;
        }
        if (at >= end || result[1] == 0) {
            return null;
        }
        result[2] = at;
        result[3] = end;
        return result;
    }
}
