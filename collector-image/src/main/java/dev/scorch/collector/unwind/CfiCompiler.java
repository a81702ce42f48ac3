package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

/**
 * Compiles an x86-64 {@code .eh_frame} or {@code .debug_frame} section into an {@link UnwindTable}:
 * every FDE's CFA program is run once, and each address range where the rule for the CFA, the
 * return address or rbp changes becomes one row. Only what the unwinder evaluates is kept; a rule
 * it cannot evaluate (a DWARF expression other than the lazy-binding PLT's) becomes
 * {@link UnwindRule#UNSUPPORTED}, where unwinding stops.
 *
 * <p>The section is hostile input: every read is bounded by its entry, every entry and CFA
 * instruction is a step of the object's {@link ParseBudget} and every row is heap charged to it,
 * remembered states are capped, and anything malformed ends the compilation with a
 * {@link CfiFormatException}; an object over its budget is rejected, never partly trusted.
 */
public final class CfiCompiler {

    /**
     * What compiling one object may cost: its call-frame section is read whole (at most 16 MiB) and
     * held while it compiles; libc's 150 KiB {@code .eh_frame} takes about 60,000 steps and
     * compiles to 30,000 rows.
     */
    public static ParseBudget.Limits limits() {
        return new ParseBudget.Limits("cfi", 16L << 20, 20_000_000, 24L << 20);
    }

    /**
     * Bytes of heap a row costs while it is compiled, garbage included: 6 in the chunks the table
     * keeps, 1 more where its indexes become bytes, a chunk at a time.
     */
    private static final int ROW_HEAP_BYTES = 8;

    /**
     * Bytes of heap an FDE costs while the object compiles: 12 in the list of starts and entries,
     * up to 36 more in the copies its doublings leave, 16 to order them.
     */
    private static final int FDE_HEAP_BYTES = 64;

    /**
     * @param section the section's bytes
     * @param sectionAddress its link-time address (pc-relative pointers count from it)
     * @param ehFrame {@code .eh_frame} (CIE id 0, relative CIE pointers) rather than {@code .debug_frame}
     * @param budget charged a step per entry and per CFA instruction, and the heap of the rows
     */
    public static UnwindTable compile(byte[] section, long sectionAddress, boolean ehFrame, ParseBudget budget)
            throws CfiFormatException, OverBudgetException {
        DwarfCursor in = new DwarfCursor(section, sectionAddress);
        FdeReader reader = new FdeReader(section, sectionAddress, ehFrame);
        FdeList fdes = new FdeList();
        while (in.position() + 4 <= section.length) {
            budget.steps(1);
            int entry = in.position();
            long length = in.u32();
            if (length == 0) {
                if (ehFrame) {
                    break;
                }
                continue;
            }
            boolean wide = length == 0xFFFF_FFFFL;
            if (wide) {
                length = in.u64();
            }
            int body = in.position();
            if (length < 4 || length > section.length - body) {
                throw new CfiFormatException("entry at " + entry + " claims " + length + " bytes");
            }
            int end = body + (int) length;
            in.limit(end);
            long id = wide ? in.u64() : in.u32();
            boolean isCie = ehFrame ? id == 0 : id == (wide ? -1L : 0xFFFF_FFFFL);
            if (isCie) {
                reader.cies.put(entry, CommonInformationEntry.read(in, end));
            } else {
                budget.heap(FDE_HEAP_BYTES);
                reader.read(entry);
                if (reader.range > 0) {
                    fdes.add(reader.start, entry);
                }
            }
            in.limit(section.length);
            in.position(end);
        }
        int[] order = fdes.byStart();
        UnwindTable.Builder rows = UnwindTable.builder(budget, ROW_HEAP_BYTES);
        CfaState state = new CfaState();
        CfaState initial = new CfaState();
        CfaProgram.Remembered remembered = new CfaProgram.Remembered();
        for (int entry : order) {
            reader.read(entry);
            CommonInformationEntry cie = reader.cie;
            initial.reset(cie.returnRegister());
            in.limit(cie.end());
            in.position(cie.instructions());
            CfaProgram.run(in, cie, initial, null, remembered, reader.start, null, budget);
            state.copyFrom(initial);
            in.limit(reader.end);
            in.position(reader.instructions);
            CfaProgram.run(in, cie, state, initial, remembered, reader.start, rows, budget);
            rows.add(reader.start + reader.range, UnwindRule.NONE);
        }
        return rows.build();
    }
}
