package dev.scorch.collector.symbol.elf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Test fixture: writes minimal Go pc/line tables in the layouts of Go 1.2, 1.16, 1.18 and 1.20
 * (64-bit, little endian), for functions laid out back to back from a text start. Only what the
 * symbolizer reads is filled in (headers, function table, {@code _func} entry and name offsets,
 * names); the pc-value tables are empty.
 */
final class SyntheticPclntab {

    static final int GO12 = 0xFFFFFFFB;
    static final int GO116 = 0xFFFFFFFA;
    static final int GO118 = 0xFFFFFFF0;
    static final int GO120 = 0xFFFFFFF1;

    private static final int FUNC_RECORD = 48;

    private SyntheticPclntab() {}

    /** A table whose function {@code i} is {@code names[i]} at {@code textStart + sum(sizes[0..i))}. */
    static byte[] write(int magic, long textStart, String[] names, int[] sizes) {
        return switch (magic) {
            case GO118, GO120 -> modern(magic, textStart, names, sizes);
            case GO116 -> go116(textStart, names, sizes);
            case GO12 -> go12(textStart, names, sizes);
            default -> throw new IllegalArgumentException("unknown magic");
        };
    }

    private static byte[] nameTable(String[] names, int[] offsets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        for (int i = 0; i < names.length; i++) {
            offsets[i] = out.size();
            out.writeBytes(names[i].getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] modern(int magic, long textStart, String[] names, int[] sizes) {
        int n = names.length;
        int[] nameOffsets = new int[n];
        byte[] nameTable = nameTable(names, nameOffsets);
        int header = 8 + 8 * 8;
        int namesAt = header;
        int pclnAt = align(namesAt + nameTable.length, 8);
        int functab = (2 * n + 1) * 4;
        int funcsAt = align(functab, 8); // relative to pclnAt
        ByteBuffer b = ByteBuffer.allocate(pclnAt + funcsAt + n * FUNC_RECORD).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, magic).put(6, (byte) 1).put(7, (byte) 8);
        long[] words = {n, 0, textStart, namesAt, pclnAt, pclnAt, pclnAt, pclnAt};
        for (int i = 0; i < words.length; i++) {
            b.putLong(8 + 8 * i, words[i]);
        }
        b.put(namesAt, nameTable);
        int offset = 0;
        for (int i = 0; i < n; i++) {
            int record = funcsAt + i * FUNC_RECORD;
            b.putInt(pclnAt + 8 * i, offset).putInt(pclnAt + 8 * i + 4, record);
            b.putInt(pclnAt + record, offset).putInt(pclnAt + record + 4, nameOffsets[i]);
            offset += sizes[i];
        }
        b.putInt(pclnAt + 8 * n, offset);
        return b.array();
    }

    private static byte[] go116(long textStart, String[] names, int[] sizes) {
        int n = names.length;
        int[] nameOffsets = new int[n];
        byte[] nameTable = nameTable(names, nameOffsets);
        int header = 8 + 7 * 8;
        int namesAt = header;
        int pclnAt = align(namesAt + nameTable.length, 8);
        int functab = (2 * n + 1) * 8;
        ByteBuffer b = ByteBuffer.allocate(pclnAt + functab + n * FUNC_RECORD).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, GO116).put(6, (byte) 1).put(7, (byte) 8);
        long[] words = {n, 0, namesAt, pclnAt, pclnAt, pclnAt, pclnAt};
        for (int i = 0; i < words.length; i++) {
            b.putLong(8 + 8 * i, words[i]);
        }
        b.put(namesAt, nameTable);
        long pc = textStart;
        for (int i = 0; i < n; i++) {
            int record = functab + i * FUNC_RECORD;
            b.putLong(pclnAt + 16 * i, pc).putLong(pclnAt + 16 * i + 8, record);
            b.putLong(pclnAt + record, pc).putInt(pclnAt + record + 8, nameOffsets[i]);
            pc += sizes[i];
        }
        b.putLong(pclnAt + 16 * n, pc);
        return b.array();
    }

    private static byte[] go12(long textStart, String[] names, int[] sizes) {
        int n = names.length;
        int functabAt = 16;
        int functab = (2 * n + 1) * 8 + 4;
        int funcsAt = align(functabAt + functab, 8);
        int namesAt = funcsAt + n * FUNC_RECORD;
        int[] nameOffsets = new int[n];
        byte[] nameTable = nameTable(names, nameOffsets);
        ByteBuffer b = ByteBuffer.allocate(namesAt + nameTable.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, GO12).put(6, (byte) 1).put(7, (byte) 8).putLong(8, n);
        b.put(namesAt, nameTable);
        long pc = textStart;
        for (int i = 0; i < n; i++) {
            int record = funcsAt + i * FUNC_RECORD;
            b.putLong(functabAt + 16 * i, pc).putLong(functabAt + 16 * i + 8, record);
            b.putLong(record, pc).putInt(record + 8, namesAt + nameOffsets[i]);
            pc += sizes[i];
        }
        b.putLong(functabAt + 16 * n, pc);
        return b.array();
    }

    private static int align(int value, int to) {
        return (value + to - 1) / to * to;
    }
}
