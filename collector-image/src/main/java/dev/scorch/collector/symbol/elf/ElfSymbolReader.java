package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads the function symbols of {@code .symtab} and {@code .dynsym} into a {@link SymbolTable}.
 * {@code .symtab} comes first so its names win where both tables name the same address; stripped
 * shared libraries still resolve their exported functions through {@code .dynsym}.
 *
 * <p>An object has at most one table of each type (the ELF specification's rule): only the first
 * of each is read, so a file whose many section headers name one large table cannot multiply it.
 * Every symbol is charged to the file's budget (steps, and heap for each one kept).
 */
public final class ElfSymbolReader {

    private static final int SYM64_SIZE = 24;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int SHN_UNDEF = 0;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    private static final long MAX_SYMBOL_TABLE_BYTES = 256L << 20;
    private static final long MAX_STRING_TABLE_BYTES = 128L << 20;
    private static final int MAX_NAME_LENGTH = 4096;
    private static final int CHUNK_SYMBOLS = 4096;
    // Small: .dynsym names lie in hash order, so nearly every name is a jump and a block is charged per jump.
    private static final int NAME_BLOCK_BYTES = 4 << 10;
    /** Heap per kept symbol while the table is built: the builder's arrays (grown by doubling) and the sort. */
    private static final int HEAP_PER_SYMBOL = 96;

    private ElfSymbolReader() {}

    public static SymbolTable read(ElfFile elf) throws IOException, ElfFormatException {
        SymbolTableBuilder builder = SymbolTable.builder();
        addTo(elf, builder);
        return builder.build();
    }

    /** Adds the function symbols of {@code elf} to {@code builder}, after whatever it holds. */
    public static void addTo(ElfFile elf, SymbolTableBuilder builder) throws IOException, ElfFormatException {
        for (int type : new int[] {ElfFile.SHT_SYMTAB, ElfFile.SHT_DYNSYM}) {
            for (ElfFile.Section section : elf.sections()) {
                if (section.type() == type) {
                    addFunctions(elf, section, builder);
                    break;
                }
            }
        }
    }

    private static void addFunctions(ElfFile elf, ElfFile.Section symbols, SymbolTableBuilder builder)
            throws IOException, ElfFormatException {
        ByteSource source = elf.source();
        ParseBudget budget = elf.budget();
        budget.require("symbol_table_bytes", symbols.size(), MAX_SYMBOL_TABLE_BYTES);
        source.requireRange(symbols.offset(), symbols.size(), symbols.name());
        if (symbols.link() <= 0 || symbols.link() >= elf.sections().size()) {
            throw new ElfFormatException(symbols.name() + " links to no string table (sh_link " + symbols.link() + ")");
        }
        ElfFile.Section strings = elf.sections().get(symbols.link());
        budget.require("string_table_bytes", strings.size(), MAX_STRING_TABLE_BYTES);
        source.requireRange(strings.offset(), strings.size(), "string table of " + symbols.name());
        // The names stay in the file: the table reads one when a lookup hits it.
        BlockReader names = new BlockReader(source, elf.order(), NAME_BLOCK_BYTES, budget);
        int tableId = builder.table(source, strings.offset());

        long count = symbols.size() / SYM64_SIZE;
        byte[] chunk = new byte[CHUNK_SYMBOLS * SYM64_SIZE];
        ByteBuffer view = ByteBuffer.wrap(chunk).order(elf.order());
        for (long first = 0; first < count; first += CHUNK_SYMBOLS) {
            int inChunk = (int) Math.min(CHUNK_SYMBOLS, count - first);
            budget.read((long) inChunk * SYM64_SIZE);
            budget.steps(inChunk);
            source.read(symbols.offset() + first * SYM64_SIZE, chunk, inChunk * SYM64_SIZE);
            for (int i = 0; i < inChunk; i++) {
                int at = i * SYM64_SIZE;
                int info = chunk[at + 4] & 0xF;
                int sectionIndex = Short.toUnsignedInt(view.getShort(at + 6));
                long value = view.getLong(at + 8);
                if ((info != STT_FUNC && info != STT_GNU_IFUNC) || sectionIndex == SHN_UNDEF || value == 0) {
                    continue;
                }
                int nameOffset = view.getInt(at);
                int nameLength = nameLength(names, strings, nameOffset);
                if (nameLength > 0) {
                    budget.heap(HEAP_PER_SYMBOL);
                    builder.add(value, view.getLong(at + 16), tableId, nameOffset, nameLength,
                            aliasPreference(names, strings.offset() + nameOffset, nameLength, chunk[at + 4] >> 4 & 0xF));
                }
            }
        }
    }

    /**
     * Among aliases of one address (glibc's {@code printf} and {@code _IO_printf}) the public name
     * wins: fewer leading underscores first, then global over weak over local binding.
     */
    private static int aliasPreference(BlockReader names, long at, int length, int binding) throws IOException, ElfFormatException {
        int underscores = 0;
        while (underscores < Math.min(length, 8) && names.byteAt(at + underscores) == '_') {
            underscores++;
        }
        int bindingRank = binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2;
        return underscores * 4 + bindingRank;
    }

    /** Length of the NUL-terminated name at {@code offset}, 0 when out of range, unterminated or too long. */
    private static int nameLength(BlockReader names, ElfFile.Section strings, int offset) throws IOException, ElfFormatException {
        if (offset <= 0 || offset >= strings.size()) {
            return 0;
        }
        return names.cStringLength(strings.offset() + offset, strings.offset() + strings.size(), MAX_NAME_LENGTH);
    }
}
