package dev.scorch.collector.symbol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.symbol.elf.SymbolTable;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KernelSymbolsTest {

    private static final String KALLSYMS = """
            ffffffff81000000 T _text
            ffffffff81000100 t do_syscall_64
            ffffffff82000000 D jiffies
            0000000000000000 T hidden
            ffffffffc0000000 t ext4_read\t[ext4]
            """;

    @Test
    void theCountingPassCountsTheTextSymbolsAndTheBytesOfTheirNames() throws IOException {
        KernelSymbols.Count count = KernelSymbols.count(stream(KALLSYMS));

        assertThat(count.symbols()).isEqualTo(3);
        assertThat(count.nameBytes()).isEqualTo("_text".length() + "do_syscall_64".length() + "ext4_read".length());
    }

    @Test
    void aBuilderSizedByTheCountBuildsTheSameTableAsAGrowingOne() throws IOException {
        KernelSymbols.Count count = KernelSymbols.count(stream(KALLSYMS));
        SymbolTable sized = KernelSymbols.parse(stream(KALLSYMS), SymbolTable.builder(count.symbols(), count.nameBytes())).table();
        SymbolTable grown = KernelSymbols.parse(stream(KALLSYMS)).table();

        assertThat(sized.size()).isEqualTo(grown.size()).isEqualTo(3);
        assertThat(sized.estimatedBytes()).isEqualTo(grown.estimatedBytes());
        for (long address : new long[] {0xffffffff81000000L, 0xffffffff81000180L, 0xffffffffc0000010L}) {
            assertThat(sized.lookup(address).name()).isEqualTo(grown.lookup(address).name());
        }
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
