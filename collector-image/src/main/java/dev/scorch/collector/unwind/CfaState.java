package dev.scorch.collector.unwind;

/**
 * The CFA and the two register rules the unwinder evaluates, as a CFA program leaves them at one
 * location, and the {@link UnwindRule} they make.
 */
final class CfaState {

    static final int REG_RBP = 6;
    static final int REG_RSP = 7;

    static final int RULE_SAME = 0;
    static final int RULE_OFFSET = 1;
    static final int RULE_UNDEFINED = 2;
    static final int RULE_OTHER = 3;

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

    void copyFrom(CfaState other) {
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

    void restore(int register, CfaState initial) {
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
