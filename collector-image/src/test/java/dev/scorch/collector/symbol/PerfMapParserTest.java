package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.symbol.elf.ByteSource;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PerfMapParserTest {

    private static SymbolTable parse(String text) throws Exception {
        return PerfMapParser.parse(ByteSource.of(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void acceptsHexWithAndWithoutPrefixAndNamesWithSpaces() throws Exception {
        SymbolTable table = parse("1000 10 Interpreter\n0x2000 0x20 void Foo.bar(int)\n");

        assertThat(table.lookup(0x1008).name()).isEqualTo("Interpreter");
        assertThat(table.lookup(0x201f).name()).isEqualTo("void Foo.bar(int)");
        assertThat(table.lookup(0x2020)).isNull();
    }

    @Test
    void skipsMalformedLinesAndKeepsTheRest() throws Exception {
        SymbolTable table = parse("garbage\n1000\n1000 zz name\n 1000 10 x\n3000 0 empty\n4000 10 \n5000 10 good\r\n");

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.lookup(0x5001).name()).isEqualTo("good");
    }

    @Test
    void theLaterEntryForAnAddressWins() throws Exception {
        SymbolTable table = parse("1000 10 old\n1000 10 recompiled\n");

        assertThat(table.lookup(0x1004).name()).isEqualTo("recompiled");
    }

    @Test
    void anUnfinishedLastLineIsIgnored() throws Exception {
        SymbolTable table = parse("1000 10 done\n2000 10 half-writ");

        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void overlongLinesAreSkippedWithoutGrowingMemory() throws Exception {
        String longName = "x".repeat(PerfMapParser.MAX_LINE_BYTES * 4);
        SymbolTable table = parse("1000 10 " + longName + "\n2000 10 short\n");

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.lookup(0x2000).name()).isEqualTo("short");
    }

    @Test
    void aFileIsReadOnlyUpToTheBound() throws Exception {
        String lines = "1000 10 first\n2000 10 second\n";

        SymbolTable table =
                PerfMapParser.parse(ByteSource.of(lines.getBytes(StandardCharsets.UTF_8)), lines.indexOf('2'), ParseBudget.of(PerfMapParser.limits()));

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.lookup(0x1000).name()).isEqualTo("first");
    }

    @Test
    void namesStayInTheFileSoTheTableWeighsItsEntriesNotItsNames() throws Exception {
        StringBuilder map = new StringBuilder();
        String longName = "Lcom/example/generated/VeryLongClassName$$Lambda$".repeat(20);
        for (int i = 0; i < 1000; i++) {
            map.append(Long.toHexString(0x10000L + i * 0x40L)).append(" 40 ").append(longName).append(i).append('\n');
        }

        SymbolTable table = parse(map.toString());

        assertThat(table.size()).isEqualTo(1000);
        assertThat(table.lookup(0x10000L + 999 * 0x40L + 1).name()).isEqualTo(longName + 999);
        assertThat(table.estimatedBytes()).isLessThan(map.length() / 10);
    }
}
