package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an ELF file's program header table and its section header table with the section names,
 * each count and size checked against fixed limits and the file before anything is allocated.
 */
final class ElfHeaderTables {

    private static final int PHDR64_SIZE = 56;
    private static final int SHDR64_SIZE = 64;
    private static final int MAX_PROGRAM_HEADERS = 4096;
    private static final int MAX_SECTIONS = 65_536;
    private static final int MAX_SECTION_NAMES_BYTES = 4 << 20;
    private static final int MAX_SECTION_NAME_LENGTH = 256;
    /** Heap a parsed section header costs: the record, its name string and the list slot. */
    private static final int SECTION_HEAP_BYTES = 128;
    private static final int SHN_XINDEX = 0xFFFF;

    private ElfHeaderTables() {}

    static List<ElfFile.Segment> readSegments(ByteSource source, ByteOrder order, long phoff, int phentsize, int phnum, ParseBudget budget)
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
        List<ElfFile.Segment> segments = new ArrayList<>(phnum);
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR64_SIZE;
            segments.add(new ElfFile.Segment(table.getInt(at), table.getInt(at + 4), table.getLong(at + 8), table.getLong(at + 16),
                    table.getLong(at + 32), table.getLong(at + 40)));
        }
        return segments;
    }

    static List<ElfFile.Section> readSections(ByteSource source, ByteOrder order, long shoff, int shentsize, int shnum, int shstrndx,
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
        List<ElfFile.Section> sections = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            int at = i * SHDR64_SIZE;
            sections.add(new ElfFile.Section(sectionName(names, table.getInt(at), budget), table.getInt(at + 4), table.getLong(at + 16), table.getLong(at + 24),
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
}
