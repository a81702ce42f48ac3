package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import dev.scorch.collector.symbol.elf.ByteSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * The line-oriented files a container or the kernel hands the symbolizer ({@code perf-<pid>.map},
 * {@code /proc/kallsyms}): any bytes parse to a table, never an exception.
 */
class TextParsersFuzzTest {

    @FuzzTest(maxDuration = "1m")
    void anyPerfMapParses(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        SymbolTable table = PerfMapParser.parse(ByteSource.of(bytes));
        table.lookup(0x1000);
        table.lookup(-1);
    }

    @FuzzTest(maxDuration = "1m")
    void anyKallsymsParses(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        KernelSymbols.Parsed parsed = KernelSymbols.parse(new ByteArrayInputStream(bytes), KernelSymbols.count(new ByteArrayInputStream(bytes)));
        if (parsed.count() > 0) {
            KernelSymbols.of(parsed, "").symbolize(0xffffffff81000000L, false);
        }
    }
}
