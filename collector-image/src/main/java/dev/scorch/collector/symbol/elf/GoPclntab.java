package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.symbol.SymbolTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads function names and ranges from a Go binary's pc/line table ({@code .gopclntab}), which the
 * Go runtime needs for tracebacks and which therefore survives {@code go build -ldflags='-s -w'}.
 * Supports the table layouts of Go 1.2-1.15 (magic {@code 0xFFFFFFFB}), 1.16-1.17 ({@code
 * 0xFFFFFFFA}), 1.18-1.19 ({@code 0xFFFFFFF0}) and 1.20+ ({@code 0xFFFFFFF1}), in either byte order.
 *
 * <p>The table is found by section name, or, when the section headers are gone, by scanning the
 * read-only load segments for a plausible header. Only the function table, the {@code _func}
 * records and the name table are read (the large pc-value tables are skipped), each checked
 * against the section bounds.
 */
public final class GoPclntab {

    private static final int MAGIC_12 = 0xFFFFFFFB;
    private static final int MAGIC_116 = 0xFFFFFFFA;
    private static final int MAGIC_118 = 0xFFFFFFF0;
    private static final int MAGIC_120 = 0xFFFFFFF1;
    private static final long MAX_REGION_BYTES = 256L << 20;
    private static final long MAX_FUNCTIONS = 8_000_000;
    private static final long MAX_SCAN_BYTES = 512L << 20;
    private static final int SCAN_CHUNK = 1 << 20;
    private static final int MAX_NAME_LENGTH = 8192;
    private static final long FROM_ENTRY_POINT = -1;
    private static final byte[] RT0 = "_rt0_".getBytes(StandardCharsets.US_ASCII);

    private GoPclntab() {}

    /**
     * Adds the Go functions of {@code elf} to {@code builder}; returns false when the file has no
     * pc/line table.
     */
    public static boolean addFunctions(ElfFile elf, SymbolTable.Builder builder) throws IOException, ElfFormatException {
        Optional<ElfFile.Section> section = elf.section(".gopclntab");
        long textStart = elf.section(".text").map(ElfFile.Section::address).orElse(0L);
        if (section.isPresent() && section.get().type() != ElfFile.SHT_NOBITS) {
            ElfFile.Section s = section.get();
            elf.source().requireRange(s.offset(), s.size(), ".gopclntab");
            parse(elf.source(), s.offset(), s.size(), textStart, elf.entry(), builder);
            return true;
        }
        if (!elf.sections().isEmpty()) {
            return false; // section headers present and no .gopclntab: not a Go binary
        }
        long found = scanForHeader(elf);
        if (found < 0) {
            return false;
        }
        parse(elf.source(), found, elf.source().size() - found, textStart, elf.entry(), builder);
        return true;
    }

    /**
     * Parses the table at {@code [offset, offset + size)} of {@code source}.
     *
     * @param textStart the address of {@code runtime.text} (the {@code .text} section) when known, else
     *     0: then the table header's copy is used, and when that is 0 too (the linker leaves it to be
     *     filled at run time) the start is derived from the entry point, which is the function
     *     {@code _rt0_<arch>_<os>} in the table
     * @param entryPoint {@code e_entry} of the file
     */
    public static void parse(ByteSource source, long offset, long size, long textStart, long entryPoint, SymbolTable.Builder builder)
            throws IOException, ElfFormatException {
        if (size < 16 || !source.contains(offset, size)) {
            throw new ElfFormatException(".gopclntab too short or outside the file");
        }
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
        ByteBuffer header = ByteBuffer.wrap(source.read(offset, (int) headerSize)).order(order);
        long[] words = new long[headerWords];
        for (int i = 0; i < headerWords; i++) {
            words[i] = ptrSize == 8 ? header.getLong(8 + i * 8) : Integer.toUnsignedLong(header.getInt(8 + i * 4));
        }
        long functionCount = words[0];
        if (functionCount < 0 || functionCount > MAX_FUNCTIONS) {
            throw new ElfFormatException(".gopclntab function count out of range: " + functionCount);
        }
        switch (magic) {
            case MAGIC_118, MAGIC_120 -> {
                long base = textStart != 0 ? textStart : words[2] != 0 ? words[2] : FROM_ENTRY_POINT;
                parseModern(source, offset, size, order, (int) functionCount, 4, base, entryPoint, words[3], words[4], words[7], builder);
            }
            case MAGIC_116 -> parseModern(source, offset, size, order, (int) functionCount, ptrSize, 0, entryPoint, words[2], words[3], words[6],
                    builder);
            default -> parseGo12(source, offset, size, order, (int) functionCount, ptrSize, builder);
        }
    }

    /**
     * Go 1.16+: a function table of {@code (entry, funcoff)} pairs at {@code pclnOffset}; names in
     * the separate {@code funcnametab} (which ends where the compilation-unit table begins).
     */
    private static void parseModern(ByteSource source, long offset, long size, ByteOrder order, int functionCount, int fieldSize,
            long textBase, long entryPoint, long namesOffset, long namesEnd, long pclnOffset, SymbolTable.Builder builder)
            throws IOException, ElfFormatException {
        if (namesEnd <= namesOffset || namesEnd > size) {
            namesEnd = Math.min(size, pclnOffset > namesOffset ? pclnOffset : size);
        }
        byte[] names = region(source, offset, size, namesOffset, namesEnd - namesOffset, "function name table");
        byte[] pcln = region(source, offset, size, pclnOffset, size - pclnOffset, "function table");
        int firstFieldSize = fieldSize; // _func starts with the entry (uint32 offset from 1.18, uintptr before)
        if (textBase == FROM_ENTRY_POINT) {
            textBase = entryPoint - entryOffsetOfRt0(pcln, order, functionCount, fieldSize, names);
        }
        addFunctionsFromTable(pcln, order, functionCount, fieldSize, textBase, pcln, firstFieldSize, names, builder);
    }

    /** Go 1.2-1.15: the function table follows the header; names are offsets from the table start. */
    private static void parseGo12(ByteSource source, long offset, long size, ByteOrder order, int functionCount, int ptrSize,
            SymbolTable.Builder builder) throws IOException, ElfFormatException {
        byte[] all = region(source, offset, size, 0, size, ".gopclntab");
        int functabStart = 8 + ptrSize;
        long functabBytes = (2L * functionCount + 1) * ptrSize;
        if (functabStart + functabBytes > all.length) {
            throw new ElfFormatException(".gopclntab function table truncated");
        }
        byte[] functab = new byte[(int) functabBytes];
        System.arraycopy(all, functabStart, functab, 0, functab.length);
        addFunctionsFromTable(functab, order, functionCount, ptrSize, 0, all, ptrSize, all, builder);
    }

    private static void addFunctionsFromTable(byte[] functab, ByteOrder order, int functionCount, int fieldSize, long textBase,
            byte[] funcData, int firstFieldSize, byte[] names, SymbolTable.Builder builder) throws ElfFormatException {
        long functabBytes = (2L * functionCount + 1) * fieldSize;
        if (functabBytes > functab.length) {
            throw new ElfFormatException(".gopclntab function table truncated");
        }
        ByteBuffer table = ByteBuffer.wrap(functab).order(order);
        ByteBuffer funcs = ByteBuffer.wrap(funcData).order(order);
        int namesId = builder.table(names);
        long entry = field(table, 0, fieldSize) + textBase;
        for (int i = 0; i < functionCount; i++) {
            long funcOffset = field(table, (2 * i + 1) * fieldSize, fieldSize);
            long next = field(table, (2 * i + 2) * fieldSize, fieldSize) + textBase;
            long nameFieldAt = funcOffset + firstFieldSize;
            if (funcOffset >= 0 && nameFieldAt >= 0 && nameFieldAt <= funcData.length - 4L) {
                int nameOffset = funcs.getInt((int) nameFieldAt);
                int nameLength = nameLength(names, nameOffset);
                if (nameLength > 0 && Long.compareUnsigned(next, entry) > 0) {
                    builder.add(entry, next - entry, namesId, nameOffset, nameLength);
                }
            }
            entry = next;
        }
    }

    /** The text offset of the entry-point function {@code _rt0_<arch>_<os>}. */
    private static long entryOffsetOfRt0(byte[] pcln, ByteOrder order, int functionCount, int fieldSize, byte[] names)
            throws ElfFormatException {
        if ((2L * functionCount + 1) * fieldSize > pcln.length) {
            throw new ElfFormatException(".gopclntab function table truncated");
        }
        ByteBuffer table = ByteBuffer.wrap(pcln).order(order);
        for (int i = 0; i < functionCount; i++) {
            long funcOffset = field(table, (2 * i + 1) * fieldSize, fieldSize);
            long nameFieldAt = funcOffset + fieldSize;
            if (nameFieldAt >= 0 && nameFieldAt <= pcln.length - 4L) {
                int nameOffset = table.getInt((int) nameFieldAt);
                int length = nameLength(names, nameOffset);
                if (length > 5 && startsWith(names, nameOffset, RT0) && countOf(names, nameOffset, length, (byte) '_') == 3) {
                    return field(table, 2 * i * fieldSize, fieldSize);
                }
            }
        }
        throw new ElfFormatException(".gopclntab: text start unknown (no section headers, no header copy, no _rt0_ entry function)");
    }

    private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
        if (at + prefix.length > bytes.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int countOf(byte[] bytes, int from, int length, byte wanted) {
        int count = 0;
        for (int i = from; i < from + length; i++) {
            if (bytes[i] == wanted) {
                count++;
            }
        }
        return count;
    }

    private static long field(ByteBuffer table, int at, int fieldSize) {
        return fieldSize == 8 ? table.getLong(at) : Integer.toUnsignedLong(table.getInt(at));
    }

    private static byte[] region(ByteSource source, long tableOffset, long tableSize, long start, long length, String what)
            throws IOException, ElfFormatException {
        if (start < 0 || length < 0 || start > tableSize || length > tableSize - start) {
            throw new ElfFormatException(".gopclntab " + what + " lies outside the table");
        }
        if (length > MAX_REGION_BYTES) {
            throw new ElfFormatException(".gopclntab " + what + " too large: " + length + " bytes");
        }
        return source.read(tableOffset + start, (int) length);
    }

    private static int nameLength(byte[] names, int offset) {
        if (offset < 0 || offset >= names.length) {
            return 0;
        }
        int limit = Math.min(names.length, offset + MAX_NAME_LENGTH);
        for (int end = offset; end < limit; end++) {
            if (names[end] == 0) {
                return end - offset;
            }
        }
        return 0;
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
        long scanned = 0;
        byte[] chunk = new byte[SCAN_CHUNK + 16];
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() != ElfFile.PT_LOAD || (segment.flags() & 2) != 0 || !source.contains(segment.offset(), segment.fileSize())) {
                continue;
            }
            long end = segment.offset() + segment.fileSize();
            for (long at = segment.offset(); at + 16 <= end && scanned < MAX_SCAN_BYTES; at += SCAN_CHUNK) {
                int length = (int) Math.min(SCAN_CHUNK + 16, end - at);
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
