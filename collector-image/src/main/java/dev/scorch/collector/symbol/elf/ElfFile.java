package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * The headers of a 64-bit ELF object (either byte order): program headers, section headers with
 * their names ({@link ElfHeaderTables}), and the GNU build id ({@link GnuBuildId}). Only headers
 * are read here; tables are read on demand through {@link #source()}, each bounded by the caller.
 *
 * <p>Every count, offset and size comes from the file and is checked before use: tables must lie
 * inside the file and stay under fixed limits, so a hostile or truncated file yields an {@link
 * ElfFormatException}, never a huge allocation, a loop that does not end, or another exception.
 * What a file may cost is charged to its {@link ParseBudget} ({@link #budget()}), which the parsers
 * of its tables (symbols, Go pc/line table, call frame information) keep charging; over it, an
 * {@link OverBudgetException} names the limit.
 */
public final class ElfFile {

    public static final int PT_LOAD = 1;
    public static final int PT_NOTE = 4;
    public static final int PF_X = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_NOTE = 7;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_DYNSYM = 11;

    private static final int ELF64_HEADER_SIZE = 64;

    /** A {@code PT_LOAD} (or other) program header. */
    public record Segment(int type, int flags, long offset, long virtualAddress, long fileSize, long memorySize) {

        public boolean executable() {
            return (flags & PF_X) != 0;
        }
    }

    /** A section header with its name resolved. */
    public record Section(String name, int type, long address, long offset, long size, int link, long entrySize) {}

    private final ByteSource source;
    private final ByteOrder order;
    private final int type;
    private final int machine;
    private final long entry;
    private final List<Segment> segments;
    private final List<Section> sections;
    private final String buildId;
    private final ParseBudget budget;

    private ElfFile(ByteSource source, ByteOrder order, int type, int machine, long entry, List<Segment> segments, List<Section> sections,
            String buildId, ParseBudget budget) {
        this.source = source;
        this.budget = budget;
        this.order = order;
        this.type = type;
        this.machine = machine;
        this.entry = entry;
        this.segments = segments;
        this.sections = sections;
        this.buildId = buildId;
    }

    /**
     * Per-object limits of an ELF file and the tables read from it: 2 GiB read (a shared library's
     * {@code .dynsym} names lie in hash order, about one 4 KiB read per symbol: libLLVM's 35,086
     * functions charge 143 MiB), 512 M steps, and 16 MiB of heap (about 170,000 symbols): a fixed
     * size, once a quarter of the heap, so that the heap's size changes no file's fate.
     */
    public static ParseBudget.Limits limits() {
        return new ParseBudget.Limits("elf", 2L << 30, 512L << 20, 16L << 20);
    }

    /** Reads and checks the headers of {@code source} under a fresh budget of {@link #limits()}. */
    public static ElfFile parse(ByteSource source) throws IOException, ElfFormatException {
        return parse(source, ParseBudget.of(limits()));
    }

    /** Reads and checks the headers of {@code source}, charging {@code budget}, which the file keeps for its tables. */
    public static ElfFile parse(ByteSource source, ParseBudget budget) throws IOException, ElfFormatException {
        if (source.size() < ELF64_HEADER_SIZE) {
            throw new ElfFormatException("too short for an ELF header (" + source.size() + " bytes)");
        }
        budget.read(ELF64_HEADER_SIZE);
        byte[] ident = source.read(0, ELF64_HEADER_SIZE);
        if (ident[0] != 0x7F || ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F') {
            throw new ElfFormatException("not an ELF file (bad magic)");
        }
        if (ident[4] != 2) {
            throw new ElfFormatException("only 64-bit ELF is supported (EI_CLASS " + ident[4] + ")");
        }
        ByteOrder order = switch (ident[5]) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new ElfFormatException("unknown ELF byte order " + ident[5]);
        };
        ByteBuffer header = ByteBuffer.wrap(ident).order(order);
        int type = Short.toUnsignedInt(header.getShort(16));
        int machine = Short.toUnsignedInt(header.getShort(18));
        long phoff = header.getLong(32);
        long shoff = header.getLong(40);
        int phentsize = Short.toUnsignedInt(header.getShort(54));
        int phnum = Short.toUnsignedInt(header.getShort(56));
        int shentsize = Short.toUnsignedInt(header.getShort(58));
        int shnum = Short.toUnsignedInt(header.getShort(60));
        int shstrndx = Short.toUnsignedInt(header.getShort(62));

        List<Segment> segments = ElfHeaderTables.readSegments(source, order, phoff, phentsize, phnum, budget);
        List<Section> sections = ElfHeaderTables.readSections(source, order, shoff, shentsize, shnum, shstrndx, budget);
        String buildId = GnuBuildId.find(source, order, segments, sections, budget);
        return new ElfFile(source, order, type, machine, header.getLong(24), List.copyOf(segments), List.copyOf(sections), buildId, budget);
    }

    /** What parsing this file may still cost: the parsers of its tables charge it too. */
    public ParseBudget budget() {
        return budget;
    }

    /**
     * These headers with {@code tables} as the budget of the tables read from now on: one parse of
     * the headers serves several readers (symbols, call-frame information), each under its own budget.
     */
    public ElfFile withBudget(ParseBudget tables) {
        return new ElfFile(source, order, type, machine, entry, segments, sections, buildId, tables);
    }

    public ByteSource source() {
        return source;
    }

    public ByteOrder order() {
        return order;
    }

    /** {@code e_type}: 2 = ET_EXEC, 3 = ET_DYN (shared objects and PIE executables). */
    public int type() {
        return type;
    }

    public int machine() {
        return machine;
    }

    /** {@code e_entry}: the link-time address of the entry point. */
    public long entry() {
        return entry;
    }

    public List<Segment> segments() {
        return segments;
    }

    public List<Section> sections() {
        return sections;
    }

    /** Lowercase hex of the {@code NT_GNU_BUILD_ID} note, empty when the file has none. */
    public String buildId() {
        return buildId;
    }

    public Optional<Section> section(String name) {
        for (Section section : sections) {
            if (section.name().equals(name)) {
                return Optional.of(section);
            }
        }
        return Optional.empty();
    }
}
