package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

import java.util.Arrays;

import static dev.scorch.collector.unwind.CfaState.RULE_OFFSET;
import static dev.scorch.collector.unwind.CfaState.RULE_OTHER;
import static dev.scorch.collector.unwind.CfaState.RULE_SAME;
import static dev.scorch.collector.unwind.CfaState.RULE_UNDEFINED;

/**
 * The interpreter of DWARF CFA instructions (a CIE's initial instructions, an FDE's program): it
 * tracks the rules in a {@link CfaState} and emits a row wherever the program advances.
 */
final class CfaProgram {

    private static final int MAX_REMEMBERED = 64;
    /** binutils' CFA expression for the lazy-binding PLT: rsp + 8 + ((rip & 15) >= N ? 8 : 0), N = 11 or 10. */
    private static final byte[] PLT_EXPRESSION_11 = {0x77, 0x08, (byte) 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22};
    private static final byte[] PLT_EXPRESSION_10 = {0x77, 0x08, (byte) 0x80, 0x00, 0x3f, 0x1a, 0x3a, 0x2a, 0x33, 0x24, 0x22};

    private CfaProgram() {}

    /** The states a program remembers, kept for the next program: most FDEs remember one around their epilogue. */
    static final class Remembered {
        CfaState[] states = {};
    }

    /**
     * Runs a CFA program from {@code in}'s position to its limit, starting at {@code location}.
     * With {@code rows}, emits the state in effect at every location the program advances past.
     */
    static void run(DwarfCursor in, CommonInformationEntry cie, CfaState state, CfaState initial, Remembered saved, long location,
            UnwindTable.Builder rows, ParseBudget budget) throws CfiFormatException, OverBudgetException {
        CfaState[] remembered = saved.states;
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
                                remembered[depth] = new CfaState();
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
