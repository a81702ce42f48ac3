package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import dev.scorch.collector.symbol.elf.GoPclntab;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads one ELF object's unwind information: its load segments, its Go pc/line table, and (on
 * x86-64) its call-frame section compiled by {@link CfiCompiler}, found by section name or, when
 * the section headers are gone, through {@code PT_GNU_EH_FRAME}. Every read and the section's heap
 * are charged to the file's {@link ElfFile#budget()}.
 */
final class UnwindInfoReader {

    private static final int EM_X86_64 = 62;
    private static final int PT_GNU_EH_FRAME = 0x6474e550;
    /** Without section headers, {@code .eh_frame} is read up to this much (its terminator usually ends it sooner). */
    private static final long MAX_SCANNED_BYTES = 4L << 20;

    private UnwindInfoReader() {}

    static ObjectUnwindInfo read(ElfFile elf) throws IOException, ElfFormatException, CfiFormatException {
        GoPclntab go = GoPclntab.find(elf);
        UnwindTable table = elf.machine() == EM_X86_64 ? compile(elf, elf.budget()) : null;
        return new ObjectUnwindInfo(loadSegments(elf), table, go);
    }

    /** The size of the call-frame section that would be compiled (without section headers: unknown, so large). */
    static long callFrameBytes(ElfFile elf) {
        if (elf.sections().isEmpty()) {
            return MAX_SCANNED_BYTES;
        }
        long ehFrame = elf.section(".eh_frame").map(ElfFile.Section::size).orElse(0L);
        return ehFrame > 0 ? ehFrame : elf.section(".debug_frame").map(ElfFile.Section::size).orElse(0L);
    }

    private static UnwindTable compile(ElfFile elf, ParseBudget budget) throws IOException, ElfFormatException, CfiFormatException {
        Optional<ElfFile.Section> ehFrame = elf.section(".eh_frame").filter(s -> s.type() != ElfFile.SHT_NOBITS && s.size() > 0);
        UnwindTable table = null;
        if (ehFrame.isPresent()) {
            table = compileSection(elf, ehFrame.get().offset(), ehFrame.get().size(), ehFrame.get().address(), true, budget);
        } else if (elf.sections().isEmpty()) {
            table = compileFromEhFrameHeader(elf, budget);
        }
        if (table == null || table.rows() == 0) {
            Optional<ElfFile.Section> debugFrame = elf.section(".debug_frame").filter(s -> s.type() != ElfFile.SHT_NOBITS && s.size() > 0);
            if (debugFrame.isPresent()) {
                table = compileSection(elf, debugFrame.get().offset(), debugFrame.get().size(), debugFrame.get().address(), false, budget);
            }
        }
        return table;
    }

    private static UnwindTable compileSection(ElfFile elf, long offset, long size, long address, boolean ehFrame, ParseBudget budget)
            throws IOException, ElfFormatException, CfiFormatException {
        budget.read(size);
        budget.heap(size);
        elf.source().requireRange(offset, size, "call-frame section");
        return CfiCompiler.compile(elf.source().read(offset, (int) size), address, ehFrame, budget);
    }

    /**
     * Without section headers, {@code PT_GNU_EH_FRAME} locates {@code .eh_frame_hdr}, whose
     * second field points at {@code .eh_frame}; that section runs to its zero terminator, at most
     * to the end of the load segment holding it.
     */
    private static UnwindTable compileFromEhFrameHeader(ElfFile elf, ParseBudget budget) throws IOException, ElfFormatException, CfiFormatException {
        ElfFile.Segment header = null;
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() == PT_GNU_EH_FRAME) {
                header = segment;
            }
        }
        if (header == null || header.fileSize() < 8) {
            return null;
        }
        byte[] bytes = elf.source().read(header.offset(), (int) Math.min(header.fileSize(), 64));
        if (bytes[0] != 1) {
            throw new CfiFormatException(".eh_frame_hdr version " + bytes[0]);
        }
        DwarfCursor cursor = new DwarfCursor(bytes, header.virtualAddress());
        cursor.position(4);
        long ehFrameAddress = cursor.pointer(bytes[1] & 0xFF);
        for (ElfFile.Segment load : elf.segments()) {
            if (load.type() == ElfFile.PT_LOAD && Long.compareUnsigned(ehFrameAddress - load.virtualAddress(), load.fileSize()) < 0) {
                long offset = ehFrameAddress - load.virtualAddress() + load.offset();
                long size = Math.min(load.fileSize() - (ehFrameAddress - load.virtualAddress()), MAX_SCANNED_BYTES);
                return compileSection(elf, offset, size, ehFrameAddress, true, budget);
            }
        }
        return null;
    }

    private static List<ElfFile.Segment> loadSegments(ElfFile elf) {
        List<ElfFile.Segment> loads = new ArrayList<>();
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() == ElfFile.PT_LOAD) {
                loads.add(segment);
            }
        }
        return loads;
    }
}
