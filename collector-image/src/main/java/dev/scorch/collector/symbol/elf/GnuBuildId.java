package dev.scorch.collector.symbol.elf;

import dev.scorch.collector.budget.ParseBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

/**
 * The GNU build id of an object: the {@code NT_GNU_BUILD_ID} note, found in the note sections or
 * segments of an ELF file, or in a buffer of notes (the kernel's {@code /sys/kernel/notes}), as
 * lowercase hex. A note area that is too large or malformed costs the build id, not the file.
 */
public final class GnuBuildId {

    private static final int MAX_NOTE_BYTES = 64 << 10;
    private static final int NT_GNU_BUILD_ID = 3;

    private GnuBuildId() {}

    /** The build id in the note sections, else in the note segments; empty when there is none. */
    static String find(ByteSource source, ByteOrder order, List<ElfFile.Segment> segments, List<ElfFile.Section> sections,
            ParseBudget budget) throws IOException, ElfFormatException {
        for (ElfFile.Section section : sections) {
            if (section.type() == ElfFile.SHT_NOTE) {
                String id = inNotes(source, order, section.offset(), section.size(), budget);
                if (id != null) {
                    return id;
                }
            }
        }
        for (ElfFile.Segment segment : segments) {
            if (segment.type() == ElfFile.PT_NOTE) {
                String id = inNotes(source, order, segment.offset(), segment.fileSize(), budget);
                if (id != null) {
                    return id;
                }
            }
        }
        return "";
    }

    /** The hex GNU build id among the notes at {@code [offset, +size)}, or null. */
    static String inNotes(ByteSource source, ByteOrder order, long offset, long size, ParseBudget budget)
            throws IOException, ElfFormatException {
        if (size <= 0 || size > MAX_NOTE_BYTES || !source.contains(offset, size)) {
            return null; // a bad note area costs the build id, not the file
        }
        budget.read(size);
        budget.steps(size / 4);
        return inNotes(ByteBuffer.wrap(source.read(offset, (int) size)).order(order));
    }

    /** The hex GNU build id in a buffer of {@code Elf_Nhdr} notes, or null; bounded by the buffer. */
    public static String inNotes(ByteBuffer notes) {
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
}
