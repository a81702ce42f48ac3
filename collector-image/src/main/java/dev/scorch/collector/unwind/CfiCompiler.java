package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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

    static final int REG_RBP = 6;
    static final int REG_RSP = 7;
    static final int REG_RA = 16;
    private static final int MAX_REMEMBERED = 64;
    /** binutils' CFA expression for the lazy-binding PLT: rsp + 8 + ((rip & 15) >= N ? 8 : 0), N = 11 or 10. */
    private static final byte[] PLT_EXPRESSION_11 = {0x77, 0x08, (byte) 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22};
    private static final byte[] PLT_EXPRESSION_10 = {0x77, 0x08, (byte) 0x80, 0x00, 0x3f, 0x1a, 0x3a, 0x2a, 0x33, 0x24, 0x22};

    private static final int RULE_SAME = 0;
    private static final int RULE_OFFSET = 1;
    private static final int RULE_UNDEFINED = 2;
    private static final int RULE_OTHER = 3;


    private record Cie(long codeAlign, long dataAlign, int returnRegister, int fdeEncoding, boolean augmented, int instructions,
            int end) {}


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
                reader.cies.put(entry, readCie(in, ehFrame, end));
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
        State state = new State();
        State initial = new State();
        Remembered remembered = new Remembered();
        for (int entry : order) {
            reader.read(entry);
            Cie cie = reader.cie;
            initial.reset(cie.returnRegister());
            in.limit(cie.end());
            in.position(cie.instructions());
            run(in, cie, initial, null, remembered, reader.start, null, budget);
            state.copyFrom(initial);
            in.limit(reader.end);
            in.position(reader.instructions);
            run(in, cie, state, initial, remembered, reader.start, rows, budget);
            rows.add(reader.start + reader.range, UnwindRule.NONE);
        }
        return rows.build();
    }

    /**
     * The FDEs with code, as their starts and entry offsets in two arrays (12 bytes an FDE): each is
     * read again at its entry when its program runs, rather than held as an object meanwhile.
     */
    private static final class FdeList {
        long[] starts = new long[256];
        int[] entries = new int[256];
        int size;

        void add(long start, int entry) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                entries = Arrays.copyOf(entries, size * 2);
            }
            starts[size] = start;
            entries[size++] = entry;
        }

        /**
         * The entries in order of their starts, equal starts in section order. A linker writes them
         * mostly sorted already; otherwise each start's distance from the lowest, which a table's
         * 4-byte offsets bound, is sorted with its position.
         */
        int[] byStart() throws CfiFormatException {
            int[] order = Arrays.copyOf(entries, size);
            entries = null;
            boolean sorted = true;
            long lowest = size == 0 ? 0 : starts[0];
            for (int i = 1; i < size; i++) {
                sorted &= Long.compareUnsigned(starts[i - 1], starts[i]) <= 0;
                lowest = Long.compareUnsigned(starts[i], lowest) < 0 ? starts[i] : lowest;
            }
            if (sorted) {
                return order;
            }
            if (size > 1 << 24) {
                throw new CfiFormatException(size + " FDEs");
            }
            long[] keys = new long[size];
            for (int i = 0; i < size; i++) {
                long delta = starts[i] - lowest;
                if (delta > 0xFFFF_FFFFL || delta < 0) {
                    throw new CfiFormatException("call-frame information spans more than 4 GiB of addresses");
                }
                keys[i] = delta << 24 | i;
            }
            Arrays.sort(keys);
            int[] byStart = new int[size];
            for (int i = 0; i < size; i++) {
                byStart[i] = order[(int) (keys[i] & 0xFF_FFFF)];
            }
            return byStart;
        }
    }

    /** Reads an FDE's header at its entry: its CIE, the code it covers and where its program lies. */
    private static final class FdeReader {
        final byte[] section;
        final long sectionAddress;
        final boolean ehFrame;
        final DwarfCursor in;
        final Map<Integer, Cie> cies = new HashMap<>();
        private int lastCieOffset = -1;
        private Cie lastCie;
        Cie cie;
        long start;
        long range;
        int instructions;
        int end;

        FdeReader(byte[] section, long sectionAddress, boolean ehFrame) {
            this.section = section;
            this.sectionAddress = sectionAddress;
            this.ehFrame = ehFrame;
            this.in = new DwarfCursor(section, sectionAddress);
        }

        void read(int entry) throws CfiFormatException {
            in.limit(section.length);
            in.position(entry);
            long length = in.u32();
            boolean wide = length == 0xFFFF_FFFFL;
            if (wide) {
                length = in.u64();
            }
            int body = in.position();
            end = body + (int) length;
            in.limit(end);
            long id = wide ? in.u64() : in.u32();
            long cieOffset = ehFrame ? body - id : id;
            if (cieOffset < 0 || cieOffset >= section.length) {
                throw new CfiFormatException("FDE at " + entry + " points to a CIE outside the section");
            }
            // FDEs mostly follow their CIE: the last one found saves a boxed map key per FDE.
            if (cieOffset != lastCieOffset) {
                Cie found = cies.get((int) cieOffset);
                if (found == null) {
                    found = readCieAt(section, sectionAddress, (int) cieOffset, ehFrame);
                    cies.put((int) cieOffset, found);
                }
                lastCieOffset = (int) cieOffset;
                lastCie = found;
            }
            cie = lastCie;
            start = in.pointer(cie.fdeEncoding());
            range = in.value(cie.fdeEncoding());
            if (cie.augmented()) {
                in.skip(in.uleb());
            }
            instructions = in.position();
        }
    }

    private static Cie readCieAt(byte[] section, long sectionAddress, int offset, boolean ehFrame) throws CfiFormatException {
        DwarfCursor in = new DwarfCursor(section, sectionAddress);
        in.position(offset);
        long length = in.u32();
        boolean wide = length == 0xFFFF_FFFFL;
        if (wide) {
            length = in.u64();
        }
        if (length < 4 || length > section.length - in.position()) {
            throw new CfiFormatException("CIE at " + offset + " claims " + length + " bytes");
        }
        int end = in.position() + (int) length;
        in.limit(end);
        long id = wide ? in.u64() : in.u32();
        if (ehFrame ? id != 0 : id != (wide ? -1L : 0xFFFF_FFFFL)) {
            throw new CfiFormatException("FDE points at " + offset + ", which is not a CIE");
        }
        return readCie(in, ehFrame, end);
    }

    private static Cie readCie(DwarfCursor in, boolean ehFrame, int end) throws CfiFormatException {
        int version = in.u8();
        if (version != 1 && version != 3 && version != 4) {
            throw new CfiFormatException("CIE version " + version);
        }
        StringBuilder augmentation = new StringBuilder();
        for (int c = in.u8(); c != 0; c = in.u8()) {
            if (augmentation.length() > 16) {
                throw new CfiFormatException("CIE augmentation string too long");
            }
            augmentation.append((char) c);
        }
        String aug = augmentation.toString();
        if (version == 4) {
            int addressSize = in.u8();
            in.u8();
            if (addressSize != 8) {
                throw new CfiFormatException("address size " + addressSize);
            }
        }
        if (aug.contains("eh")) {
            in.skip(8);
        }
        long codeAlign = in.uleb();
        long dataAlign = in.sleb();
        int returnRegister = version == 1 ? in.u8() : in.ulebInt();
        int fdeEncoding = 0;
        boolean augmented = aug.startsWith("z");
        if (augmented) {
            long dataLength = in.uleb();
            int dataEnd = in.position() + (int) Math.min(dataLength, Integer.MAX_VALUE);
            if (dataLength < 0 || dataLength > end - in.position()) {
                throw new CfiFormatException("CIE augmentation data of " + dataLength + " bytes");
            }
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEncoding = in.u8();
                    case 'L' -> in.u8();
                    case 'P' -> {
                        int encoding = in.u8();
                        in.value(encoding);
                    }
                    case 'S', 'B', 'G' -> {
                        // signal frame, pointer authentication, MTE: nothing to read
                    }
                    default -> i = aug.length(); // unknown: the length tells us where the data ends
                }
            }
            in.position(dataEnd);
        } else if (!aug.isEmpty() && !aug.equals("eh")) {
            throw new CfiFormatException("CIE augmentation \"" + aug + "\" without a length");
        }
        if (codeAlign <= 0 || codeAlign > 256) {
            throw new CfiFormatException("code alignment " + codeAlign);
        }
        return new Cie(codeAlign, dataAlign, returnRegister, fdeEncoding, augmented, in.position(), end);
    }

    /** The states a program remembers, kept for the next program: most FDEs remember one around their epilogue. */
    private static final class Remembered {
        State[] states = {};
    }

    /** The CFA and the two register rules the unwinder evaluates. */
    private static final class State {
        int returnRegister;
        boolean cfaPlt;
        int pltThreshold;
        boolean cfaExpression;
        int cfaRegister;
        long cfaOffset;
        int rbpRule;
        long rbpOffset;
        int raRule;
        long raOffset;

        void reset(int returnRegister) {
            this.returnRegister = returnRegister;
            cfaPlt = false;
            cfaExpression = false;
            cfaRegister = REG_RSP;
            cfaOffset = 8;
            rbpRule = RULE_SAME;
            rbpOffset = 0;
            raRule = RULE_OFFSET;
            raOffset = -8;
        }

        void copyFrom(State other) {
            returnRegister = other.returnRegister;
            cfaPlt = other.cfaPlt;
            pltThreshold = other.pltThreshold;
            cfaExpression = other.cfaExpression;
            cfaRegister = other.cfaRegister;
            cfaOffset = other.cfaOffset;
            rbpRule = other.rbpRule;
            rbpOffset = other.rbpOffset;
            raRule = other.raRule;
            raOffset = other.raOffset;
        }

        void setRule(int register, int rule, long offset) {
            if (register == REG_RBP) {
                rbpRule = rule;
                rbpOffset = offset;
            } else if (register == returnRegister) {
                raRule = rule;
                raOffset = offset;
            }
        }

        void restore(int register, State initial) {
            if (register == REG_RBP) {
                rbpRule = initial.rbpRule;
                rbpOffset = initial.rbpOffset;
            } else if (register == returnRegister) {
                raRule = initial.raRule;
                raOffset = initial.raOffset;
            }
        }

        long rule() {
            if (raRule == RULE_UNDEFINED) {
                return UnwindRule.OUTERMOST;
            }
            if (raRule != RULE_OFFSET) {
                return UnwindRule.UNSUPPORTED;
            }
            int rbp = switch (rbpRule) {
                case RULE_SAME -> UnwindRule.RBP_SAME;
                case RULE_OFFSET -> UnwindRule.RBP_AT_CFA;
                default -> UnwindRule.RBP_UNKNOWN;
            };
            if (cfaPlt) {
                return UnwindRule.of(UnwindRule.CFA_PLT, 8, UnwindRule.RBP_SAME, pltThreshold, raOffset);
            }
            if (cfaExpression) {
                return UnwindRule.UNSUPPORTED;
            }
            int kind = cfaRegister == REG_RSP ? UnwindRule.CFA_RSP : cfaRegister == REG_RBP ? UnwindRule.CFA_RBP : UnwindRule.UNSUPPORTED;
            return kind == UnwindRule.UNSUPPORTED ? kind : UnwindRule.of(kind, cfaOffset, rbp, rbpOffset, raOffset);
        }
    }

    /**
     * Runs a CFA program from {@code in}'s position to its limit, starting at {@code location}.
     * With {@code rows}, emits the state in effect at every location the program advances past.
     */
    private static void run(DwarfCursor in, Cie cie, State state, State initial, Remembered saved, long location, UnwindTable.Builder rows,
            ParseBudget budget) throws CfiFormatException, OverBudgetException {
        State[] remembered = saved.states;
        int depth = 0;
        long at = location;
        while (in.hasRemaining()) {
            budget.steps(1);
            int op = in.u8();
            long advance = -1;
            switch (op >> 6) {
                case 1 -> advance = (op & 0x3F) * cie.codeAlign();
                case 2 -> state.setRule(op & 0x3F, RULE_OFFSET, in.uleb() * cie.dataAlign());
                case 3 -> state.restore(op & 0x3F, initial == null ? state : initial);
                default -> {
                    switch (op) {
                        case 0x00 -> {
                            // DW_CFA_nop
                        }
                        case 0x01 -> {
                            long target = in.pointer(cie.fdeEncoding());
                            advance = target - at;
                            if (advance < 0) {
                                throw new CfiFormatException("DW_CFA_set_loc moves backwards");
                            }
                        }
                        case 0x02 -> advance = in.u8() * cie.codeAlign();
                        case 0x03 -> advance = in.u16() * cie.codeAlign();
                        case 0x04 -> advance = in.u32() * cie.codeAlign();
                        case 0x05 -> state.setRule(in.ulebInt(), RULE_OFFSET, in.uleb() * cie.dataAlign());
                        case 0x06 -> state.restore(in.ulebInt(), initial == null ? state : initial);
                        case 0x07 -> state.setRule(in.ulebInt(), RULE_UNDEFINED, 0);
                        case 0x08 -> state.setRule(in.ulebInt(), RULE_SAME, 0);
                        case 0x09 -> {
                            int register = in.ulebInt();
                            in.uleb();
                            state.setRule(register, RULE_OTHER, 0);
                        }
                        case 0x0a -> {
                            if (depth == MAX_REMEMBERED) {
                                throw new CfiFormatException("more than " + MAX_REMEMBERED + " remembered states");
                            }
                            if (depth == remembered.length) {
                                remembered = Arrays.copyOf(remembered, Math.max(4, depth * 2));
                                saved.states = remembered;
                            }
                            if (remembered[depth] == null) {
                                remembered[depth] = new State();
                            }
                            remembered[depth++].copyFrom(state);
                        }
                        case 0x0b -> {
                            if (depth == 0) {
                                throw new CfiFormatException("DW_CFA_restore_state without a remembered state");
                            }
                            // The CFA rule comes back too, as GCC's and LLVM's unwinders do (compilers emit
                            // remember/restore around epilogues that change the CFA).
                            state.copyFrom(remembered[--depth]);
                        }
                        case 0x0c -> {
                            state.cfaRegister = in.ulebInt();
                            state.cfaOffset = in.uleb();
                            state.cfaExpression = false;
                            state.cfaPlt = false;
                        }
                        case 0x0d -> {
                            state.cfaRegister = in.ulebInt();
                            state.cfaExpression = false;
                            state.cfaPlt = false;
                        }
                        case 0x0e -> state.cfaOffset = in.uleb();
                        case 0x0f -> {
                            int length = in.ulebInt();
                            state.cfaPlt = in.matches(PLT_EXPRESSION_11, length) || in.matches(PLT_EXPRESSION_10, length);
                            state.pltThreshold = in.matches(PLT_EXPRESSION_11, length) ? 11 : 10;
                            state.cfaExpression = !state.cfaPlt;
                            in.skip(length);
                        }
                        case 0x10, 0x16 -> {
                            int register = in.ulebInt();
                            in.skip(in.uleb());
                            state.setRule(register, RULE_OTHER, 0);
                        }
                        case 0x11 -> state.setRule(in.ulebInt(), RULE_OFFSET, in.sleb() * cie.dataAlign());
                        case 0x12 -> {
                            state.cfaRegister = in.ulebInt();
                            state.cfaOffset = in.sleb() * cie.dataAlign();
                            state.cfaExpression = false;
                            state.cfaPlt = false;
                        }
                        case 0x13 -> state.cfaOffset = in.sleb() * cie.dataAlign();
                        case 0x14, 0x15 -> {
                            int register = in.ulebInt();
                            if (op == 0x14) {
                                in.uleb();
                            } else {
                                in.sleb();
                            }
                            state.setRule(register, RULE_OTHER, 0);
                        }
                        case 0x2e -> in.uleb(); // DW_CFA_GNU_args_size
                        case 0x2f -> state.setRule(in.ulebInt(), RULE_OFFSET, -in.uleb() * cie.dataAlign());
                        default -> throw new CfiFormatException("unknown CFA instruction 0x" + Integer.toHexString(op));
                    }
                }
            }
            if (advance > 0) {
                if (rows != null) {
                    rows.add(at, state.rule());
                }
                at += advance;
            }
        }
        if (rows != null) {
            rows.add(at, state.rule());
        }
    }
}
