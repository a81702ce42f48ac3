package dev.scorch.collector.symbol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Parses a JIT's {@code perf-<pid>.map}: one {@code START SIZE name} line per symbol, START and
 * SIZE in hex with or without {@code 0x}. The file is written by the profiled process, so it is
 * read with bounds on total bytes, line length and entry count; malformed lines are skipped. A
 * later line for the same start address wins (code recompiled in place).
 */
final class PerfMapParser {

    static final long MAX_FILE_BYTES = 128L << 20;
    static final int MAX_LINE_BYTES = 8192;
    static final int MAX_ENTRIES = 2_000_000;

    private PerfMapParser() {}

    static SymbolTable parse(InputStream in) throws IOException {
        long[] starts = new long[256];
        long[] sizes = new long[256];
        int[] nameOffsets = new int[256];
        int[] nameLengths = new int[256];
        byte[] names = new byte[4096];
        int namesUsed = 0;
        int count = 0;

        byte[] line = new byte[MAX_LINE_BYTES];
        byte[] buffer = new byte[64 * 1024];
        int lineLength = 0;
        boolean overlong = false;
        long total = 0;
        int read;
        while ((read = in.read(buffer)) > 0 && count < MAX_ENTRIES) {
            total += read;
            if (total > MAX_FILE_BYTES) {
                break; // the first MAX_FILE_BYTES still count
            }
            for (int i = 0; i < read && count < MAX_ENTRIES; i++) {
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
                        int nameStart = (int) parsed[2];
                        int nameLength = (int) parsed[3] - nameStart;
                        if (count == starts.length) {
                            int grown = count * 2;
                            starts = Arrays.copyOf(starts, grown);
                            sizes = Arrays.copyOf(sizes, grown);
                            nameOffsets = Arrays.copyOf(nameOffsets, grown);
                            nameLengths = Arrays.copyOf(nameLengths, grown);
                        }
                        if (namesUsed + nameLength > names.length) {
                            names = Arrays.copyOf(names, Math.max(names.length * 2, namesUsed + nameLength));
                        }
                        System.arraycopy(line, nameStart, names, namesUsed, nameLength);
                        starts[count] = parsed[0];
                        sizes[count] = parsed[1];
                        nameOffsets[count] = namesUsed;
                        nameLengths[count] = nameLength;
                        namesUsed += nameLength;
                        count++;
                    }
                }
                lineLength = 0;
                overlong = false;
            }
        }
        SymbolTable.Builder builder = SymbolTable.builder();
        int table = builder.table(names);
        for (int i = count - 1; i >= 0; i--) { // newest first: the builder keeps the first of equal starts
            builder.add(starts[i], sizes[i], table, nameOffsets[i], nameLengths[i]);
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
