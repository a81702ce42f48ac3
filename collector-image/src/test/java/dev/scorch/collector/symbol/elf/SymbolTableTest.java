package dev.scorch.collector.symbol.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SymbolTableTest {

    private static final byte[] NAMES = "\0alpha\0beta\0gamma\0_alias\0".getBytes(StandardCharsets.US_ASCII);

    @Test
    void findsTheFunctionWhoseRangeHoldsTheAddress() {
        SymbolTable.Builder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x3000, 0x10, t, 12, 5); // gamma, added out of order
        builder.add(0x1000, 0x100, t, 1, 5); // alpha
        builder.add(0x2000, 0, t, 7, 4); // beta, no size: until the next symbol
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x0fff)).isNull();
        assertThat(table.lookup(0x1000).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x10ff).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x1100)).isNull();
        assertThat(table.lookup(0x2fff).name()).isEqualTo("beta");
        assertThat(table.lookup(0x300f).name()).isEqualTo("gamma");
        assertThat(table.lookup(0x3010)).isNull();
    }

    @Test
    void ofAliasesASizedOneThenTheMostPreferredWins() {
        SymbolTable.Builder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x1000, 0, t, 1, 5, 0); // alpha, no size
        builder.add(0x1000, 0x10, t, 18, 6, 4); // _alias
        builder.add(0x1000, 0x10, t, 7, 4, 0); // beta
        SymbolTable table = builder.build();

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.lookup(0x1004).name()).isEqualTo("beta");
    }

    @Test
    void addressesAboveTheSignBitCompareUnsigned() {
        SymbolTable.Builder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0xffffffff81000000L, 0x100, t, 1, 5);
        builder.add(0x1000, 0x100, t, 7, 4);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0xffffffff81000010L).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x1010).name()).isEqualTo("beta");
    }

    @Test
    void manySymbolsSortAndResolve() {
        SymbolTable.Builder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        for (int i = 9999; i >= 0; i--) {
            builder.add(0x10000L + i * 0x20L, 0x20, t, i % 2 == 0 ? 1 : 7, i % 2 == 0 ? 5 : 4);
        }
        SymbolTable table = builder.build();

        assertThat(table.size()).isEqualTo(10_000);
        assertThat(table.lookup(0x10000L + 4242 * 0x20L + 3).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x10000L + 4243 * 0x20L).name()).isEqualTo("beta");
    }
}
