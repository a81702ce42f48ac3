package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.ParseBudget;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Finds a Go pc/line table in a file and reads its header: the magic that says the layout (Go
 * 1.2-1.15, 1.16-1.17, 1.18-1.19, 1.20+) and byte order, and the header words that place the
 * function table, the {@code _func} records and the name table. Every offset is checked against
 * the table before a {@link GoPclntab} is opened on it.
 */
final class GoPclntabHeader {

    private static final int MAGIC_12 = 0xFFFFFFFB;
    private static final int MAGIC_116 = 0xFFFFFFFA;
    private static final int MAGIC_118 = 0xFFFFFFF0;
    private static final int MAGIC_120 = 0xFFFFFFF1;
    private static final long MAX_FUNCTIONS = 8_000_000;
    private static final long MAX_SCAN_BYTES = 512L << 20;
    private static final int SCAN_CHUNK = 256 << 10;
    private static final long FROM_ENTRY_POINT = -1;

    private GoPclntabHeader() {}

    /** The pc/line table of {@code elf}, or null when the file has none. */
    static GoPclntab find(ElfFile elf) throws IOException, ElfFormatException {
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

    /** As {@link GoPclntab#parse(ByteSource, long, long, long, long)}, charging {@code budget}. */
    static GoPclntab parse(ByteSource source, long offset, long size, long textStart, long entryPoint, ParseBudget budget)
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
