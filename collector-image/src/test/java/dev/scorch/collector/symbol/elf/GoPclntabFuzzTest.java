package dev.scorch.collector.symbol.elf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.budget.OverBudgetException;
import java.io.IOException;

/**
 * Hostile Go pc/line tables, parsed as if found by section name (text start known) and by scanning
 * (text start from the header or the entry point): a table, an {@link ElfFormatException} or a
 * refusal over budget ({@link OverBudgetException}), nothing else. Replays {@code GoPclntabFuzzTestInputs/} in every build; {@code JAZZER_FUZZ=1} fuzzes.
 */
class GoPclntabFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void parsingAnyBytesAsAGoTableFailsOnlyWithAFormatError(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        for (long textStart : new long[] {0x401000, 0}) {
            try {
                GoPclntab table = GoPclntab.parse(ByteSource.of(bytes), 0, bytes.length, textStart, 0x401020);
                for (long address = 0x400000; address < 0x410000; address += 512) {
                    table.lookup(address);
                }
            } catch (ElfFormatException | OverBudgetException expected) {
                // the only failures a hostile table may cause, at opening or at a lookup
            }
        }
    }
}
