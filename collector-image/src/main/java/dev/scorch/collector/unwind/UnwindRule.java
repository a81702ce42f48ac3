package dev.scorch.collector.unwind;

/**
 * How to step from one x86-64 frame to its caller at one code address, packed in a {@code long}
 * so a table of them is two flat arrays: where the canonical frame address (CFA) is, where the
 * return address is saved relative to it, and what becomes of rbp.
 *
 * <pre>
 * bits  0-3   CFA kind: {@link #NONE}, {@link #CFA_RSP}, {@link #CFA_RBP}, {@link #CFA_PLT}, {@link #UNSUPPORTED}, {@link #OUTERMOST}
 * bits  4-5   rbp: {@link #RBP_SAME}, {@link #RBP_AT_CFA}, {@link #RBP_UNKNOWN}
 * bits  8-15  return address offset from the CFA (signed bytes)
 * bits 16-31  rbp save slot offset from the CFA (signed bytes)
 * bits 32-63  CFA offset from the register (signed)
 * </pre>
 */
public final class UnwindRule {

    /** No call-frame information covers the address. */
    public static final int NONE = 0;
    public static final int CFA_RSP = 1;
    public static final int CFA_RBP = 2;
    /**
     * The lazy-binding PLT's CFA: rsp + offset, plus 8 more once the entry has pushed its index
     * (rip & 15 at or past the threshold kept in the rbp offset field).
     */
    public static final int CFA_PLT = 3;
    /** CFI the unwinder does not evaluate (DWARF expressions, other registers): unwinding stops here. */
    public static final int UNSUPPORTED = 4;
    /** The return address is undefined: the outermost frame (_start, thread entry). */
    public static final int OUTERMOST = 5;

    public static final int RBP_SAME = 0;
    public static final int RBP_AT_CFA = 1;
    public static final int RBP_UNKNOWN = 2;

    private UnwindRule() {}

    public static long of(int cfaKind, long cfaOffset, int rbpRule, long rbpOffset, long returnAddressOffset) {
        if (cfaOffset != (int) cfaOffset || rbpOffset != (short) rbpOffset || returnAddressOffset != (byte) returnAddressOffset) {
            return UNSUPPORTED;
        }
        return (cfaKind & 0xF) | (long) (rbpRule & 3) << 4 | (returnAddressOffset & 0xFFL) << 8 | (rbpOffset & 0xFFFFL) << 16
                | cfaOffset << 32;
    }

    public static int cfaKind(long rule) {
        return (int) (rule & 0xF);
    }

    public static int rbpRule(long rule) {
        return (int) (rule >>> 4) & 3;
    }

    public static long returnAddressOffset(long rule) {
        return (byte) (rule >>> 8);
    }

    public static long rbpOffset(long rule) {
        return (short) (rule >>> 16);
    }

    public static long cfaOffset(long rule) {
        return (int) (rule >>> 32);
    }
}
