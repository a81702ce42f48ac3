package dev.scorch.collector.symbol.elf;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * Generators of crafted object files that once exhausted the collector: small files whose headers
 * multiply one table many times. Written at test time (megabytes each), never committed. Each is a
 * well-formed little-endian x86-64 ELF apart from the trick it plays.
 */
public final class HostileObjectFiles {

    private static final int EHDR = 64;
    private static final int SHDR = 64;
    private static final int PHDR = 56;
    private static final int SHT_STRTAB = 3;

    private HostileObjectFiles() {}

    /**
     * 65,536 section headers (extended numbering), every one named at offset 0 of one 4 MiB
     * section name table that holds no NUL: a reader that copies each name to its end copies the
     * table 65,536 times.
     */
    public static Path unterminatedSectionNames(Path file) throws IOException {
        int sections = 65_536;
        int namesSize = 4 << 20;
        long namesOffset = EHDR;
        long shoff = namesOffset + namesSize;
        ByteBuffer out = buffer((int) (shoff + (long) sections * SHDR));
        elfHeader(out, 0, 0, shoff, 0, 0xFFFF);
        for (int i = 0; i < namesSize; i++) {
            out.put((int) namesOffset + i, (byte) 'A');
        }
        // Section 0 carries the real count and the name table's index (extended numbering).
        int first = (int) shoff;
        out.putLong(first + 32, sections);
        out.putInt(first + 40, 1);
        int names = first + SHDR;
        out.putInt(names + 4, SHT_STRTAB);
        out.putLong(names + 24, namesOffset);
        out.putLong(names + 32, namesSize);
        return write(file, out);
    }

    /**
     * {@code tables} {@code .symtab} headers all pointing at one table of {@code symbols} function
     * symbols: a reader that adds every table's symbols holds {@code tables * symbols} of them.
     */
    public static Path repeatedSymbolTable(Path file, int tables, int symbols) throws IOException {
        int nameLength = 8;
        int stringsSize = 1 + symbols * (nameLength + 1);
        long stringsOffset = EHDR;
        long symtabOffset = align(stringsOffset + stringsSize, 8);
        long symtabSize = (long) symbols * 24;
        long shoff = align(symtabOffset + symtabSize, 8);
        int sections = 2 + tables;
        ByteBuffer out = buffer((int) (shoff + (long) sections * SHDR));
        elfHeader(out, 0, 0, shoff, sections, 0);
        for (int i = 0; i < symbols; i++) {
            int nameAt = 1 + i * (nameLength + 1);
            byte[] name = String.format("f%07d", i).getBytes();
            out.put((int) stringsOffset + nameAt, name);
            int sym = (int) symtabOffset + i * 24;
            out.putInt(sym, nameAt);
            out.put(sym + 4, (byte) 0x12); // STB_GLOBAL, STT_FUNC
            out.putShort(sym + 6, (short) 1);
            out.putLong(sym + 8, 0x400000L + 16L * i);
            out.putLong(sym + 16, 16);
        }
        int strtab = (int) shoff + SHDR;
        out.putInt(strtab + 4, SHT_STRTAB);
        out.putLong(strtab + 24, stringsOffset);
        out.putLong(strtab + 32, stringsSize);
        for (int t = 0; t < tables; t++) {
            int header = (int) shoff + (2 + t) * SHDR;
            out.putInt(header + 4, ElfFile.SHT_SYMTAB);
            out.putLong(header + 24, symtabOffset);
            out.putLong(header + 32, symtabSize);
            out.putInt(header + 40, 1);
            out.putLong(header + 56, 24);
        }
        return write(file, out);
    }

    /**
     * A Go 1.20 pc/line table of {@code functions} entries in a binary without section headers and
     * with text start 0, so the reader must find the entry-point function by name; every entry's
     * {@code _func} offset points somewhere random in the table and every name offset too, so no
     * block a reader caches serves the next entry.
     */
    public static Path scatteredGoFunctionTable(Path file, int functions, long seed) throws IOException {
        long tableOffset = EHDR + PHDR;
        int headerSize = 8 + 8 * 8;
        long pclnOffset = headerSize;
        long functabBytes = (2L * functions + 1) * 4;
        long tableSize = pclnOffset + functabBytes;
        long fileSize = tableOffset + tableSize;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer head = buffer((int) (tableOffset + headerSize));
            elfHeader(head, EHDR, 1, 0, 0, 0);
            head.putLong(24, 0x401000); // e_entry
            head.putInt(EHDR, 1); // PT_LOAD
            head.putInt(EHDR + 4, 5); // R+X: where a stripped Go binary keeps its table
            head.putLong(EHDR + 8, 0);
            head.putLong(EHDR + 16, 0x400000);
            head.putLong(EHDR + 32, fileSize);
            head.putLong(EHDR + 40, fileSize);
            int t = (int) tableOffset;
            head.putInt(t, 0xFFFFFFF1);
            head.put(t + 6, (byte) 1);
            head.put(t + 7, (byte) 8);
            head.putLong(t + 8, functions); // nfunc
            head.putLong(t + 16, 0); // nfiles
            head.putLong(t + 24, 0); // text start: left for the reader to find
            head.putLong(t + 32, 0); // funcnametab: the whole table
            head.putLong(t + 40, tableSize); // cutab (ends the name table)
            head.putLong(t + 64, pclnOffset);
            channel.write(head, 0);
            Random random = new Random(seed);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long position = tableOffset + pclnOffset;
            int bound = (int) Math.min(Integer.MAX_VALUE, functabBytes - 8);
            for (long field = 0; field < 2L * functions + 1; field++) {
                // Entries and offsets alike are random words inside the table, all of them multiples of 4 with a zero top byte.
                chunk.putInt(random.nextInt(bound) & ~3);
                if (!chunk.hasRemaining()) {
                    channel.write(chunk.flip(), position);
                    position += chunk.limit();
                    chunk.clear();
                }
            }
            channel.write(chunk.flip(), position);
        }
        return file;
    }

    private static void elfHeader(ByteBuffer out, long phoff, int phnum, long shoff, int shnum, int shstrndx) {
        out.put(0, new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1});
        out.putShort(16, (short) 2);
        out.putShort(18, (short) 62);
        out.putInt(20, 1);
        out.putLong(32, phoff);
        out.putLong(40, shoff);
        out.putShort(52, (short) EHDR);
        out.putShort(54, (short) PHDR);
        out.putShort(56, (short) phnum);
        out.putShort(58, (short) SHDR);
        out.putShort(60, (short) shnum);
        out.putShort(62, (short) shstrndx);
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long align(long value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static Path write(Path file, ByteBuffer out) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.write(out.array());
        }
        return file;
    }

    /** Writes the three files into a directory, for measuring a build by hand: {@code HostileObjectFiles <dir>}. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        unterminatedSectionNames(dir.resolve("section-names.elf"));
        repeatedSymbolTable(dir.resolve("repeated-symtab.elf"), 10_000, 100_000);
        scatteredGoFunctionTable(dir.resolve("scattered-pclntab.elf"), 8_000_000, 1);
    }
}
