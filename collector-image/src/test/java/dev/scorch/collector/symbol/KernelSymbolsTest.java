package dev.scorch.collector.symbol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.symbol.elf.SymbolTable;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelSymbolsTest {

    private static final String KALLSYMS = """
            ffffffff81000000 T _text
            ffffffff81000100 t do_syscall_64
            ffffffff82000000 D jiffies
            0000000000000000 T hidden
            ffffffffc0000000 t ext4_read\t[ext4]
            """;

    private static final String[] SUBSYSTEMS = {"ext4_ext", "tcp_v4", "__x64_sys", "page_cache", "kmem_cache_alloc", "do_sys"};
    private static final String[] ACTIONS = {"lookup_entry", "release_page", "update_state", "wait_for_completion", "handle_fault"};

    @Test
    void theCountingPassCountsTheTextSymbolsAndTheBytesOfTheirNames() throws IOException {
        KernelSymbols.Count count = KernelSymbols.count(stream(KALLSYMS));

        assertThat(count.symbols()).isEqualTo(3);
        assertThat(count.nameBytes()).isEqualTo("_text".length() + "do_syscall_64".length() + "ext4_read".length());
    }

    @Test
    void textSymbolsResolveUntilTheNextStartAndTheLastOneToTheTop() throws IOException {
        KernelSymbols kernel = load(KALLSYMS);

        assertThat(kernel.size()).isEqualTo(3);
        assertThat(nameAt(kernel, 0xffffffff81000000L)).isEqualTo("_text");
        assertThat(nameAt(kernel, 0xffffffff810000ffL)).isEqualTo("_text");
        assertThat(nameAt(kernel, 0xffffffff82000010L)).as("data symbols are not functions").isEqualTo("do_syscall_64");
        assertThat(nameAt(kernel, 0xffffffffc0001000L)).isEqualTo("ext4_read");
        assertThat(kernel.symbolize(0xffffffff80000000L, false).miss()).isEqualTo(MissReason.NO_SYMBOL_AT_ADDRESS);
        assertThat(kernel.symbolize(0xffffffff81000100L, true).frames().getFirst().function())
                .as("a return address belongs to the call before it").isEqualTo("_text");
    }

    @Test
    void ofSymbolsSharingAStartTheFirstListedNamesIt() throws IOException {
        KernelSymbols kernel = load("""
                ffffffff81000100 t first_alias
                ffffffff81000000 T _text
                ffffffff81000100 T second_alias
                """);

        assertThat(kernel.size()).isEqualTo(2);
        assertThat(nameAt(kernel, 0xffffffff81000100L)).isEqualTo("first_alias");
    }

    @Test
    void theCompactTableAnswersAsASymbolTableOfTheSameKallsymsForEveryAddress() throws IOException {
        Random random = new Random(14);
        StringBuilder kallsyms = new StringBuilder();
        long previous = 0;
        for (int i = 0; i < 40_000; i++) {
            // Core text ascending, modules' after it in any order, every 50th an alias of the one before.
            long address = i % 50 == 49 ? previous
                    : i < 32_000 ? 0xffffffff81000000L + i * 0x40L + random.nextInt(0x20)
                    : 0xffffffffc0000000L + random.nextInt(1 << 24);
            previous = address;
            kallsyms.append(Long.toHexString(address)).append(i % 3 == 0 ? " T " : " t ").append(SUBSYSTEMS[i % SUBSYSTEMS.length]).append('_')
                    .append(ACTIONS[i % ACTIONS.length]).append('_').append(i % 997).append(i >= 32_000 ? "\t[mod]\n" : "\n");
        }
        KernelSymbols.Parsed parsed = parse(kallsyms.toString());
        KernelSymbols kernel = KernelSymbols.of(parsed, "");
        SymbolTable reference = parsed.table();

        assertThat(kernel.size()).isEqualTo(reference.size());
        for (int i = 0; i < parsed.count(); i++) {
            long start = parsed.addresses()[i];
            for (long address : new long[] {start - 1, start, start + 1, start + 0x3f}) {
                SymbolTable.Hit hit = reference.lookup(address);
                assertThat(nameAt(kernel, address)).as("at %x", address).isEqualTo(hit == null ? null : hit.name());
            }
        }
        assertThat(kernel.estimatedBytes()).isLessThan(reference.estimatedBytes() / 2);
    }

    @Test
    void startsSpanningMoreThan4GiBStillResolve() throws IOException {
        KernelSymbols kernel = load("""
                0000000000001000 T low
                ffffffff81000000 T high
                """);

        assertThat(nameAt(kernel, 0x1800L)).isEqualTo("low");
        assertThat(nameAt(kernel, 0xffffffff81000010L)).isEqualTo("high");
    }

    private static String nameAt(KernelSymbols kernel, long address) {
        Symbolization result = kernel.symbolize(address, false);
        return result.resolved() ? result.frames().getFirst().function() : null;
    }

    private static KernelSymbols load(String kallsyms) throws IOException {
        return KernelSymbols.of(parse(kallsyms), "");
    }

    private static KernelSymbols.Parsed parse(String kallsyms) throws IOException {
        return KernelSymbols.parse(stream(kallsyms), KernelSymbols.count(stream(kallsyms)));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
