package dev.scorch.collector.symbol.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.scorch.collector.symbol.GoWorkload;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Every pc/line table layout the symbolizer supports (real Go builds are tested in GoSymbolizationTest). */
class GoPclntabTest {

    private static final String[] NAMES = {"runtime.main", "main.hot", "main.(*Server).ServeHTTP"};
    private static final int[] SIZES = {0x40, 0x100, 0x20};
    private static final long TEXT = 0x401000;

    private static GoPclntab parse(byte[] table, long textStart) throws Exception {
        return GoPclntab.parse(ByteSource.of(table), 0, table.length, textStart, 0);
    }

    @ParameterizedTest(name = "magic {0}")
    @ValueSource(ints = {SyntheticPclntab.GO12, SyntheticPclntab.GO116, SyntheticPclntab.GO118, SyntheticPclntab.GO120})
    void namesFunctionsInEachLayout(int magic) throws Exception {
        GoPclntab table = parse(SyntheticPclntab.write(magic, TEXT, NAMES, SIZES), magic == SyntheticPclntab.GO12 || magic == SyntheticPclntab.GO116 ? 0 : TEXT);

        assertThat(table.size()).isEqualTo(3);
        assertThat(table.lookup(TEXT).name()).isEqualTo("runtime.main");
        assertThat(table.lookup(TEXT + 0x40).name()).isEqualTo("main.hot");
        assertThat(table.lookup(TEXT + 0x13f).name()).isEqualTo("main.hot");
        assertThat(table.lookup(TEXT + 0x150).name()).isEqualTo("main.(*Server).ServeHTTP");
        assertThat(table.lookup(TEXT + 0x160)).isNull();
        assertThat(table.lookup(TEXT - 1)).isNull();
    }

    @Test
    void theHeaderTextStartIsUsedWhenTheSectionAddressIsUnknown() throws Exception {
        GoPclntab table = parse(SyntheticPclntab.write(SyntheticPclntab.GO120, TEXT, NAMES, SIZES), 0);

        assertThat(table.lookup(TEXT + 0x41).name()).isEqualTo("main.hot");
    }

    @Test
    void withoutAnyTextStartTheEntryPointFunctionAnchorsTheTable() throws Exception {
        String[] names = {"internal/abi.x", "_rt0_amd64", "_rt0_amd64_linux", "main.hot"};
        int[] sizes = {0x10, 0x10, 0x10, 0x40};
        byte[] table = SyntheticPclntab.write(SyntheticPclntab.GO120, 0, names, sizes);

        GoPclntab parsed = GoPclntab.parse(ByteSource.of(table), 0, table.length, 0, TEXT + 0x20);

        assertThat(parsed.lookup(TEXT + 0x31).name()).isEqualTo("main.hot");
    }

    @Test
    void theCommittedMinimalGoElfSeedResolvesThroughTheSection() throws Exception {
        byte[] elf;
        try (var in = getClass().getResourceAsStream(
                "ElfFuzzTestInputs/readingAnyBytesAsAnObjectFileFailsOnlyWithAFormatError/minimal-go-elf")) {
            elf = in.readAllBytes();
        }
        GoPclntab table = GoPclntab.find(ElfFile.parse(ByteSource.of(elf)));

        assertThat(table).isNotNull();
        assertThat(table.lookup(0x401041).name()).isEqualTo("main.hot");
    }

    @Test
    void anUnknownMagicIsAFormatError() {
        byte[] table = SyntheticPclntab.write(SyntheticPclntab.GO120, TEXT, NAMES, SIZES);
        table[0] = 0x12;

        assertThatThrownBy(() -> parse(table, TEXT)).isInstanceOf(ElfFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void aFunctionCountBeyondTheTableIsAFormatError() {
        byte[] table = SyntheticPclntab.write(SyntheticPclntab.GO120, TEXT, NAMES, SIZES);
        table[8] = 0x7f; // nfunc = 127

        assertThatThrownBy(() -> parse(table, TEXT)).isInstanceOf(ElfFormatException.class);
    }

    @ParameterizedTest(name = "magic {0}")
    @ValueSource(ints = {SyntheticPclntab.GO12, SyntheticPclntab.GO116, SyntheticPclntab.GO120})
    void everyFunctionOfALargeTableResolvesAcrossTheSampledIndex(int magic) throws Exception {
        int count = 1000;
        String[] names = new String[count];
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            names[i] = "pkg.f" + i;
            sizes[i] = 0x10 + i % 7;
        }
        GoPclntab table = parse(SyntheticPclntab.write(magic, TEXT, names, sizes), magic == SyntheticPclntab.GO120 ? TEXT : 0);

        long entry = TEXT;
        for (int i = 0; i < count; i++) {
            assertThat(table.lookup(entry).name()).isEqualTo(names[i]);
            assertThat(table.lookup(entry + sizes[i] - 1).name()).isEqualTo(names[i]);
            entry += sizes[i];
        }
        assertThat(table.lookup(entry)).isNull();
    }

    @Test
    void theTableStaysInTheFileSoItsHeapCostIsTheSampledIndexNotItsSize() throws Exception {
        int count = 20_000;
        String[] names = new String[count];
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            names[i] = "example.com/some/long/package/path.(*Type).Method" + i;
            sizes[i] = 0x20;
        }
        byte[] bytes = SyntheticPclntab.write(SyntheticPclntab.GO120, TEXT, names, sizes);

        GoPclntab table = parse(bytes, TEXT);

        assertThat(bytes.length).isGreaterThan(2_000_000);
        assertThat(table.estimatedBytes()).isLessThan(count * 8L / 64 + 256);
    }

    /** Every Go function's pcsp table starts at 0: at its entry the return address is at sp. */
    @Test
    void everyFunctionOfARealGoBinaryHasItsReturnAddressAtSpOnEntry() throws Exception {
        Path binary = GoWorkload.binary(GoWorkload.Flavour.STRIPPED);
        ElfFile elf = ElfFile.parse(ByteSource.of(FileChannel.open(binary)));
        GoPclntab table = GoPclntab.find(elf);
        int functions = 0;
        int framed = 0;
        for (GoSpDeltas f = table.spDeltas(elf.section(".text").orElseThrow().address()); f != null; f = table.spDeltas(f.end())) {
            if (f.ends().length > 0) {
                assertThat(f.at(f.entry())).as("SP delta at the entry of the function at 0x%x", f.entry()).isZero();
                framed += f.values().length > 1 ? 1 : 0;
            }
            functions++;
        }
        assertThat(functions).isEqualTo(table.size());
        assertThat(framed).as("functions that set up a frame").isGreaterThan(functions / 2);
    }

    /** Past the last function no function can contain an address: answered without reading the file. */
    @Test
    void anAddressPastTheTextNeedsNoRead() throws Exception {
        Path binary = GoWorkload.binary(GoWorkload.Flavour.STRIPPED);
        FileChannel channel = FileChannel.open(binary);
        ElfFile elf = ElfFile.parse(ByteSource.of(channel));
        GoPclntab table = GoPclntab.find(elf);
        ElfFile.Section text = elf.section(".text").orElseThrow();
        channel.close();

        assertThat(table.spDeltas(text.address() + text.size())).isNull();
        assertThat(table.spDeltas(-1L)).isNull();
    }
}
