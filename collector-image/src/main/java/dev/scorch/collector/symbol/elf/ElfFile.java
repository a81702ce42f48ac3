package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The headers of a 64-bit ELF object (either byte order): program headers, section headers with
 * their names, and the GNU build id. Only headers are read here; tables are read on demand through
 * {@link #source()}, each bounded by the caller.
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
    private static final int PHDR64_SIZE = 56;
    private static final int SHDR64_SIZE = 64;
    private static final int MAX_PROGRAM_HEADERS = 4096;
    private static final int MAX_SECTIONS = 65_536;
    private static final int MAX_SECTION_NAMES_BYTES = 4 << 20;
    private static final int MAX_SECTION_NAME_LENGTH = 256;
    /** Heap a parsed section header costs: the record, its name string and the list slot. */
    private static final int SECTION_HEAP_BYTES = 128;
    private static final int MAX_NOTE_BYTES = 64 << 10;
    private static final int NT_GNU_BUILD_ID = 3;
    private static final int SHN_XINDEX = 0xFFFF;

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

        List<Segment> segments = readSegments(source, order, phoff, phentsize, phnum, budget);
        List<Section> sections = readSections(source, order, shoff, shentsize, shnum, shstrndx, budget);
        String buildId = findBuildId(source, order, segments, sections, budget);
        return new ElfFile(source, order, type, machine, header.getLong(24), List.copyOf(segments), List.copyOf(sections), buildId, budget);
    }

    private static List<Segment> readSegments(ByteSource source, ByteOrder order, long phoff, int phentsize, int phnum, ParseBudget budget)
            throws IOException, ElfFormatException {
        if (phnum == 0) {
            return List.of();
        }
        if (phentsize != PHDR64_SIZE) {
            throw new ElfFormatException("unexpected program header size " + phentsize);
        }
        budget.require("program_headers", phnum, MAX_PROGRAM_HEADERS);
        source.requireRange(phoff, (long) phnum * PHDR64_SIZE, "program header table");
        budget.read((long) phnum * PHDR64_SIZE);
        budget.heap((long) phnum * (PHDR64_SIZE + SECTION_HEAP_BYTES));
        ByteBuffer table = ByteBuffer.wrap(source.read(phoff, phnum * PHDR64_SIZE)).order(order);
        List<Segment> segments = new ArrayList<>(phnum);
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR64_SIZE;
            segments.add(new Segment(table.getInt(at), table.getInt(at + 4), table.getLong(at + 8), table.getLong(at + 16),
                    table.getLong(at + 32), table.getLong(at + 40)));
        }
        return segments;
    }

    private static List<Section> readSections(ByteSource source, ByteOrder order, long shoff, int shentsize, int shnum, int shstrndx,
            ParseBudget budget) throws IOException, ElfFormatException {
        if (shoff == 0) {
            return List.of(); // section headers stripped: the program headers still describe the image
        }
        if (shentsize != SHDR64_SIZE) {
            throw new ElfFormatException("unexpected section header size " + shentsize);
        }
        source.requireRange(shoff, SHDR64_SIZE, "section header table");
        if (shnum == 0 || shstrndx == SHN_XINDEX) {
            // Extended numbering: the real count and string table index live in section 0.
            budget.read(SHDR64_SIZE);
            ByteBuffer first = ByteBuffer.wrap(source.read(shoff, SHDR64_SIZE)).order(order);
            if (shnum == 0) {
                long count = first.getLong(32);
                budget.require("sections", count, MAX_SECTIONS);
                shnum = (int) count;
            }
            if (shstrndx == SHN_XINDEX) {
                shstrndx = first.getInt(40);
            }
        }
        budget.require("sections", shnum, MAX_SECTIONS);
        source.requireRange(shoff, (long) shnum * SHDR64_SIZE, "section header table");
        budget.read((long) shnum * SHDR64_SIZE);
        budget.heap((long) shnum * (SHDR64_SIZE + SECTION_HEAP_BYTES));
        ByteBuffer table = ByteBuffer.wrap(source.read(shoff, shnum * SHDR64_SIZE)).order(order);
        byte[] names = new byte[0];
        if (shstrndx > 0 && shstrndx < shnum) {
            int at = shstrndx * SHDR64_SIZE;
            long namesOffset = table.getLong(at + 24);
            long namesSize = table.getLong(at + 32);
            budget.require("section_name_bytes", namesSize, MAX_SECTION_NAMES_BYTES);
            source.requireRange(namesOffset, namesSize, "section name table");
            budget.read(namesSize);
            budget.heap(namesSize);
            names = source.read(namesOffset, (int) namesSize);
        }
        List<Section> sections = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            int at = i * SHDR64_SIZE;
            sections.add(new Section(sectionName(names, table.getInt(at), budget), table.getInt(at + 4), table.getLong(at + 16), table.getLong(at + 24),
                    table.getLong(at + 32), table.getInt(at + 40), table.getLong(at + 56)));
        }
        return sections;
    }

    /**
     * A section's name: real ones are short, so a name longer than {@value #MAX_SECTION_NAME_LENGTH}
     * bytes (or unterminated) refuses the file rather than costing a copy of the table per section.
     */
    private static String sectionName(byte[] names, int offset, ParseBudget budget) throws OverBudgetException {
        if (offset < 0 || offset >= names.length) {
            return "";
        }
        int end = offset;
        int limit = (int) Math.min(names.length, (long) offset + MAX_SECTION_NAME_LENGTH + 1);
        while (end < limit && names[end] != 0) {
            end++;
        }
        budget.steps(end - offset + 1);
        budget.require("section_name_length", end - offset, MAX_SECTION_NAME_LENGTH);
        return new String(names, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String findBuildId(ByteSource source, ByteOrder order, List<Segment> segments, List<Section> sections, ParseBudget budget)
            throws IOException, ElfFormatException {
        for (Section section : sections) {
            if (section.type() == SHT_NOTE) {
                String id = buildIdInNotes(source, order, section.offset(), section.size(), budget);
                if (id != null) {
                    return id;
                }
            }
        }
        for (Segment segment : segments) {
            if (segment.type() == PT_NOTE) {
                String id = buildIdInNotes(source, order, segment.offset(), segment.fileSize(), budget);
                if (id != null) {
                    return id;
                }
            }
        }
        return "";
    }

    /** The hex GNU build id among the notes at {@code [offset, +size)}, or null. */
    static String buildIdInNotes(ByteSource source, ByteOrder order, long offset, long size, ParseBudget budget)
            throws IOException, ElfFormatException {
        if (size <= 0 || size > MAX_NOTE_BYTES || !source.contains(offset, size)) {
            return null; // a bad note area costs the build id, not the file
        }
        budget.read(size);
        budget.steps(size / 4);
        return buildIdInNotes(ByteBuffer.wrap(source.read(offset, (int) size)).order(order));
    }

    /** The hex GNU build id in a buffer of {@code Elf_Nhdr} notes, or null; bounded by the buffer. */
    public static String buildIdInNotes(ByteBuffer notes) {
        int at = 0;
        int limit = notes.limit();
        while (limit - at >= 12) {
            long nameSize = Integer.toUnsignedLong(notes.getInt(at));
            long descSize = Integer.toUnsignedLong(notes.getInt(at + 4));
            int noteType = notes.getInt(at + 8);
            long nameStart = at + 12L;
            long descStart = nameStart + align4(nameSize);
            long next = descStart + align4(descSize);
            if (descStart + descSize > limit) {
                return null;
            }
            if (noteType == NT_GNU_BUILD_ID && nameSize == 4 && notes.get((int) nameStart) == 'G' && notes.get((int) nameStart + 1) == 'N'
                    && notes.get((int) nameStart + 2) == 'U' && notes.get((int) nameStart + 3) == 0 && descSize > 0 && descSize <= 64) {
                byte[] id = new byte[(int) descSize];
                notes.get((int) descStart, id);
                return HexFormat.of().formatHex(id);
            }
            if (next > limit) {
                return null;
            }
            at = (int) next;
        }
        return null;
    }

    private static long align4(long value) {
        return (value + 3) & ~3L;
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
