package dev.scorch.collector.symbol;

import dev.scorch.collector.address.SortedAddresses;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The kernel's text symbols in about a third of the heap of a {@code SymbolTable}: starts as
 * 4-byte offsets from the lowest (the kernel's text and its modules lie within 4 GiB of each
 * other), ends implied by the next start, and the names, in address order, deflated in blocks of
 * {@link #NAMES_PER_BLOCK}: the names of 120,859 symbols take 0.8 MB deflated where they took 2.9 MB
 * as they are. A lookup inflates one block (about 0.8 KB, 3-4 us of CPU), unless the name is among
 * the {@link #CACHED_NAMES} last named in its slot: a node's kernel stacks keep hitting the same
 * few hundred functions.
 */
final class KernelSymbolsTable {

    static final int NAMES_PER_BLOCK = 32;
    static final int CACHED_NAMES = 1024;
    private static final long MAX_OFFSET = 0xFFFF_FFFFL;
    /** Keys pack a start's offset above a symbol's index: up to 2^24 symbols (a 256 MiB kallsyms has fewer lines). */
    private static final int INDEX_BITS = 24;

    private final long base;
    private final int[] offsets;
    private final byte[] blocks;
    private final int[] blockStarts;
    private final byte[] scratch;
    private final Inflater inflater = new Inflater();
    /** Slot {@code index % CACHED_NAMES}: the index it holds plus one (0: empty), and its name. */
    private final int[] cachedIndexes = new int[CACHED_NAMES];
    private final String[] cachedNames = new String[CACHED_NAMES];

    private KernelSymbolsTable(long base, int[] offsets, byte[] blocks, int[] blockStarts, int largestBlock) {
        this.base = base;
        this.offsets = offsets;
        this.blocks = blocks;
        this.blockStarts = blockStarts;
        this.scratch = new byte[largestBlock];
    }

    /**
     * The table of {@code count} symbols, symbol {@code i} at {@code addresses[i]} named
     * {@code names[nameStarts[i], nameStarts[i + 1])}; of symbols sharing a start the first listed
     * is kept. Null when the starts span more than 4 GiB or there are too many of them to pack
     * (no kernel's kallsyms does either): the caller keeps them another way.
     */
    static KernelSymbolsTable of(int count, long[] addresses, byte[] names, int[] nameStarts) {
        if (count == 0 || count >= 1 << INDEX_BITS) {
            return null;
        }
        long lowest = addresses[0];
        long highest = addresses[0];
        for (int i = 1; i < count; i++) {
            lowest = Long.compareUnsigned(addresses[i], lowest) < 0 ? addresses[i] : lowest;
            highest = Long.compareUnsigned(addresses[i], highest) > 0 ? addresses[i] : highest;
        }
        if (Long.compareUnsigned(highest - lowest, MAX_OFFSET) > 0) {
            return null;
        }
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            keys[i] = (addresses[i] - lowest) << INDEX_BITS | i;
        }
        Arrays.sort(keys);
        int kept = 0;
        for (int i = 0; i < count; i++) {
            // Sorted by offset, then by index: the first of an alias group is the one listed first.
            if (kept == 0 || keys[kept - 1] >>> INDEX_BITS != keys[i] >>> INDEX_BITS) {
                keys[kept++] = keys[i];
            }
        }
        int[] offsets = new int[kept];
        for (int i = 0; i < kept; i++) {
            offsets[i] = (int) (keys[i] >>> INDEX_BITS);
        }
        return deflated(lowest, offsets, keys, names, nameStarts);
    }

    private static KernelSymbolsTable deflated(long base, int[] offsets, long[] keys, byte[] names, int[] nameStarts) {
        int blockCount = (offsets.length + NAMES_PER_BLOCK - 1) / NAMES_PER_BLOCK;
        int[] blockStarts = new int[blockCount + 1];
        byte[] raw = new byte[1024];
        byte[] out = new byte[Math.max(1024, names.length / 3)];
        int used = 0;
        int largest = 0;
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            for (int block = 0; block < blockCount; block++) {
                int rawLength = 0;
                for (int i = block * NAMES_PER_BLOCK; i < Math.min(offsets.length, (block + 1) * NAMES_PER_BLOCK); i++) {
                    int symbol = (int) (keys[i] & ((1 << INDEX_BITS) - 1));
                    int length = nameStarts[symbol + 1] - nameStarts[symbol];
                    if (rawLength + length + 1 > raw.length) {
                        raw = Arrays.copyOf(raw, Math.max(raw.length * 2, rawLength + length + 1));
                    }
                    System.arraycopy(names, nameStarts[symbol], raw, rawLength, length);
                    rawLength += length;
                    raw[rawLength++] = '\n';
                }
                largest = Math.max(largest, rawLength);
                deflater.reset();
                deflater.setInput(raw, 0, rawLength);
                deflater.finish();
                while (!deflater.finished()) {
                    if (used == out.length) {
                        out = Arrays.copyOf(out, out.length * 2);
                    }
                    used += deflater.deflate(out, used, out.length - used);
                }
                blockStarts[block + 1] = used;
            }
        } finally {
            deflater.end();
        }
        return new KernelSymbolsTable(base, offsets, Arrays.copyOf(out, used), blockStarts, largest);
    }

    int size() {
        return offsets.length;
    }

    /** The name of the symbol containing {@code address} (the last starting at or below it), or null below the first. */
    String nameAt(long address) {
        if (Long.compareUnsigned(address, base) < 0) {
            return null;
        }
        long delta = address - base;
        int index = Long.compareUnsigned(delta, MAX_OFFSET) > 0 ? offsets.length - 1
                : SortedAddresses.floor(offsets, 0, offsets.length, (int) delta);
        return index < 0 ? null : name(index);
    }

    private synchronized String name(int index) {
        int slot = index % CACHED_NAMES;
        if (cachedIndexes[slot] == index + 1) {
            return cachedNames[slot];
        }
        String name = inflatedName(index);
        cachedIndexes[slot] = index + 1;
        cachedNames[slot] = name;
        return name;
    }

    private String inflatedName(int index) {
        int block = index / NAMES_PER_BLOCK;
        int length;
        inflater.reset();
        inflater.setInput(blocks, blockStarts[block], blockStarts[block + 1] - blockStarts[block]);
        try {
            length = inflater.inflate(scratch);
        } catch (DataFormatException e) {
            throw new IllegalStateException("the kernel symbol names deflated by this table do not inflate", e);
        }
        int start = 0;
        for (int skip = index % NAMES_PER_BLOCK; skip > 0; skip--) {
            while (scratch[start] != '\n') {
                start++;
            }
            start++;
        }
        int end = start;
        while (end < length && scratch[end] != '\n') {
            end++;
        }
        return new String(scratch, start, end - start, StandardCharsets.UTF_8);
    }

    /** Heap bytes held (array headers counted at 16 bytes), with the cache of names full of 40-character names. */
    long estimatedBytes() {
        return 64 + 16 + offsets.length * 4L + 16 + blocks.length + 16 + blockStarts.length * 4L + 16 + scratch.length
                + 2 * (16 + CACHED_NAMES * 4L) + CACHED_NAMES * (24 + 16 + 40L);
    }
}
