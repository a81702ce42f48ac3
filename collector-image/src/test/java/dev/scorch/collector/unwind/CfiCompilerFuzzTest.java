package dev.scorch.collector.unwind;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;

/**
 * Call-frame sections come from files a container controls: any bytes compile to a table or end
 * in a {@link CfiFormatException}, within the limits, never another exception or a hang.
 */
class CfiCompilerFuzzTest {

    @FuzzTest(maxDuration = "1m")
    void anyEhFrameCompilesOrIsRejected(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        compile(bytes, true);
    }

    @FuzzTest(maxDuration = "1m")
    void anyDebugFrameCompilesOrIsRejected(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        compile(bytes, false);
    }

    private static void compile(byte[] bytes, boolean ehFrame) {
        try {
            UnwindTable table = CfiCompiler.compile(bytes, 0x1000, ehFrame, ParseBudget.of(new ParseBudget.Limits("cfi", 1 << 20, 200_000, 4 << 20)));
            table.find(0x1000);
            table.find(-1);
        } catch (CfiFormatException | OverBudgetException e) {
            // rejected: the object is unwound without CFI
        }
    }
}
