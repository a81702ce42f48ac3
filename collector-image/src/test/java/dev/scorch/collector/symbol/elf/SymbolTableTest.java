package dev.scorch.collector.symbol.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SymbolTableTest {

    private static final byte[] NAMES = "\0alpha\0beta\0gamma\0_alias\0".getBytes(StandardCharsets.US_ASCII);

    @Test
    void findsTheFunctionWhoseRangeHoldsTheAddress() {
        SymbolTableBuilder builder = SymbolTable.builder();
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
        SymbolTableBuilder builder = SymbolTable.builder();
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
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0xffffffff81000000L, 0x100, t, 1, 5);
        builder.add(0x1000, 0x100, t, 7, 4);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0xffffffff81000010L).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x1010).name()).isEqualTo("beta");
    }

    @Test
    void aBuilderSizedTooSmallStillTakesEverySymbolAndName() {
        SymbolTableBuilder builder = SymbolTable.builder(1, 1);
        byte[] line = "alpha beta gamma".getBytes(StandardCharsets.US_ASCII);
        builder.add(0x3000, 0, line, 11, 5);
        builder.add(0x1000, 0, line, 0, 5);
        builder.add(0x2000, 0, line, 6, 4);
        SymbolTable table = builder.build();

        assertThat(table.size()).isEqualTo(3);
        assertThat(table.lookup(0x1000).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x2fff).name()).isEqualTo("beta");
        assertThat(table.lookup(0x3000).name()).isEqualTo("gamma");
    }

    @Test
    void symbolsOfASecondTableAddedAfterTheFirstsKeepTheirNames() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int first = builder.table(NAMES);
        int second = builder.table("\0delta\0".getBytes(StandardCharsets.US_ASCII));
        builder.add(0x1000, 0, first, 1, 5); // alpha
        builder.add(0x2000, 0, first, 7, 4); // beta
        builder.add(0x3000, 0x10, second, 1, 5); // delta, the first sized symbol
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x1000).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x2fff).name()).isEqualTo("beta");
        assertThat(table.lookup(0x300f).name()).isEqualTo("delta");
        assertThat(table.lookup(0x3010)).isNull();
    }

    @Test
    void manySymbolsSortAndResolve() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        for (int i = 9999; i >= 0; i--) {
            builder.add(0x10000L + i * 0x20L, 0x20, t, i % 2 == 0 ? 1 : 7, i % 2 == 0 ? 5 : 4);
        }
        SymbolTable table = builder.build();

        assertThat(table.size()).isEqualTo(10_000);
        assertThat(table.lookup(0x10000L + 4242 * 0x20L + 3).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x10000L + 4243 * 0x20L).name()).isEqualTo("beta");
    }

    @Test
    void aZeroSizeLastSymbolReachesTheTopOfTheAddressSpace() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x1000, 0x10, t, 1, 5);
        builder.add(0x2000, 0, t, 7, 4);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x1010)).isNull();
        assertThat(table.lookup(0xffffffff_ffffff00L).name()).isEqualTo("beta");
        assertThat(table.lookup(-1L)).isNull();
    }

    @Test
    void anOverlappingSymbolYieldsToTheLaterStartInsideIt() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x1000, 0x1000, t, 1, 5); // alpha covers beta's start and more
        builder.add(0x1800, 0x10, t, 7, 4);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x17ff).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x1800).name()).isEqualTo("beta");
        assertThat(table.lookup(0x1810)).isNull();
    }

    @Test
    void startsSpanningMoreThanFourGibibytesStayExact() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x1000, 0x10, t, 1, 5);
        builder.add(0x1_0000_1000L, 0x10, t, 7, 4); // 4 GiB past alpha: the same low 32 bits
        builder.add(0x7fff_0000_0000L, 0, t, 12, 5);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x1008).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x1_0000_1008L).name()).isEqualTo("beta");
        assertThat(table.lookup(0x1_0000_1010L)).isNull();
        assertThat(table.lookup(0x3_0000_0000L)).isNull();
        assertThat(table.lookup(0x7fff_0000_0004L).name()).isEqualTo("gamma");
        assertThat(table.lookup(0x7fff_0000_0000L).start()).isEqualTo(0x7fff_0000_0000L);
    }

    @Test
    void aSizeBeyondFourGibibytesIsKeptWhole() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int t = builder.table(NAMES);
        builder.add(0x1000, 0x2_0000_0000L, t, 1, 5);
        builder.add(0x4_0000_0000L, 0x10, t, 7, 4);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x1_8000_0000L).name()).isEqualTo("alpha");
        assertThat(table.lookup(0x2_0000_1000L)).isNull();
        assertThat(table.lookup(0x4_0000_000fL).name()).isEqualTo("beta");
    }

    @Test
    void namesFromFileAndHeapTablesBothResolve() {
        SymbolTableBuilder builder = SymbolTable.builder();
        int heap = builder.table(NAMES);
        int file = builder.table(ByteSource.of("padding\0delta\0".getBytes(StandardCharsets.US_ASCII)), 8);
        builder.add(0x1000, 0x10, heap, 7, 4);
        builder.add(0x2000, 0x10, file, 0, 5);
        SymbolTable table = builder.build();

        assertThat(table.lookup(0x1000).name()).isEqualTo("beta");
        assertThat(table.lookup(0x2000).name()).isEqualTo("delta");
    }

    @Test
    void compactTablesAnswerEveryLookupAsAPlainListOfRangesWould() {
        Random random = new Random(14);
        for (int round = 0; round < 200; round++) {
            List<long[]> symbols = new ArrayList<>(); // {start, size, name index}
            SymbolTableBuilder builder = SymbolTable.builder();
            int t = builder.table(NAMES);
            long base = random.nextBoolean() ? 0xffffffff_81000000L : random.nextLong(1L << 40);
            for (int i = random.nextInt(1, 40); i > 0; i--) {
                long start = base + switch (random.nextInt(4)) {
                    case 0 -> random.nextLong(0x100);
                    case 1 -> random.nextLong(1L << 34);
                    default -> random.nextLong(0x10000);
                };
                long size = switch (random.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> random.nextLong(1L << 33);
                    default -> random.nextLong(1, 0x800);
                };
                int name = random.nextInt(3);
                symbols.add(new long[] {start, size, name});
                builder.add(start, size, t, new int[] {1, 7, 12}[name], new int[] {5, 4, 5}[name]);
            }
            SymbolTable table = builder.build();
            for (int probe = 0; probe < 300; probe++) {
                long[] near = symbols.get(random.nextInt(symbols.size()));
                long address = near[0] + random.nextLong(-0x20, 0x20) + (random.nextInt(8) == 0 ? near[1] : 0);
                SymbolTable.Hit hit = table.lookup(address);
                String expected = reference(symbols, address);
                assertThat(hit == null ? null : hit.name()).as("round %d address %x", round, address).isEqualTo(expected);
            }
        }
    }

    /** The symbol with the greatest start at or below the address (the first added among equal starts with one size class), if its range holds it. */
    private static String reference(List<long[]> symbols, long address) {
        List<long[]> sorted = new ArrayList<>(symbols);
        sorted.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        long[] floor = null;
        int at = -1;
        for (int i = 0; i < sorted.size(); i++) {
            long[] s = sorted.get(i);
            if (Long.compareUnsigned(s[0], address) > 0) {
                break;
            }
            if (floor == null || s[0] != floor[0] || (s[1] != 0 && floor[1] == 0)) {
                floor = s;
                at = i;
            }
        }
        if (floor == null) {
            return null;
        }
        long end = floor[1] != 0 ? floor[0] + floor[1] : -1L;
        if (floor[1] == 0) {
            for (int i = at + 1; i < sorted.size(); i++) {
                if (sorted.get(i)[0] != floor[0]) {
                    end = sorted.get(i)[0];
                    break;
                }
            }
        }
        return Long.compareUnsigned(address, end) < 0 ? new String[] {"alpha", "beta", "gamma"}[(int) floor[2]] : null;
    }
}
