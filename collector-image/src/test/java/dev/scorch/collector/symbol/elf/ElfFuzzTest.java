package dev.scorch.collector.symbol.elf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.ObjectSymbols;
import java.io.IOException;

/**
 * Hostile object files: whatever the bytes, reading headers, notes, symbol tables and the Go table
 * ends in symbols, an {@link ElfFormatException} or a refusal over budget ({@link
 * OverBudgetException}), never another exception, a hang or a huge allocation. Replays {@code ElfFuzzTestInputs/} in every build; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ElfFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void readingAnyBytesAsAnObjectFileFailsOnlyWithAFormatError(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        ObjectSymbols symbols;
        try {
            symbols = ObjectSymbols.read(ElfFile.parse(ByteSource.of(bytes)));
        } catch (ElfFormatException | OverBudgetException expected) {
            return;
        }
        Mapping mapping = new Mapping(0x400000, 0x800000, 0, "/fuzz", 1, true);
        for (long address = 0x400000; address < 0x400000 + 64 * 1024; address += 4096) {
            symbols.symbolize(mapping, address, false);
            symbols.symbolize(mapping, address, true);
        }
    }
}
