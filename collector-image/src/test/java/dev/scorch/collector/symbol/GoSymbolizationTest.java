package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.GoWorkload.Flavour;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Go binaries built by the real toolchain, stripped with {@code -s -w}, named from {@code .gopclntab}. */
class GoSymbolizationTest {

    @TempDir
    Path dir;

    private static ObjectSymbols symbolsOf(Path binary) throws Exception {
        return ObjectSymbols.read(ElfFile.parse(ByteSource.of(Files.readAllBytes(binary))));
    }

    /** A mapping of the executable load segment as the kernel would create it for a non-PIE binary. */
    private static Mapping textMapping(Path binary) throws Exception {
        ElfFile elf = ElfFile.parse(ByteSource.of(Files.readAllBytes(binary)));
        ElfFile.Segment text = elf.segments().stream().filter(s -> s.type() == ElfFile.PT_LOAD && s.executable()).findFirst().orElseThrow();
        return new Mapping(text.virtualAddress(), text.virtualAddress() + text.memorySize(), text.offset(), binary.toString(), 1, true);
    }

    private static String name(Symbolization symbolization) {
        assertThat(symbolization.resolved()).as("miss: %s", symbolization.miss()).isTrue();
        return symbolization.frames().get(0).function();
    }

    @Test
    void strippedBinaryHasNoSymbolTableYetNamesFunctionsFromGopclntab() throws Exception {
        Path stripped = GoWorkload.binary(Flavour.STRIPPED);
        ElfFile elf = ElfFile.parse(ByteSource.of(Files.readAllBytes(stripped)));
        assertThat(elf.section(".symtab")).isEmpty();
        assertThat(elf.section(".gopclntab")).isPresent();

        ObjectSymbols symbols = symbolsOf(stripped);
        Mapping text = textMapping(stripped);

        assertThat(name(symbols.symbolize(text, GoWorkload.address(Flavour.FULL, "main.hotLoop") + 8, false))).isEqualTo("main.hotLoop");
        assertThat(name(symbols.symbolize(text, GoWorkload.address(Flavour.FULL, "main.coldHelper") + 1, true))).isEqualTo("main.coldHelper");
        assertThat(name(symbols.symbolize(text, GoWorkload.address(Flavour.FULL, "runtime.mallocgc") + 16, false))).isEqualTo("runtime.mallocgc");
    }

    @Test
    void everyFunctionGoToolNmListsResolvesToItsOwnName() throws Exception {
        Path stripped = GoWorkload.binary(Flavour.STRIPPED);
        Path full = GoWorkload.binary(Flavour.FULL);
        ObjectSymbols symbols = symbolsOf(stripped);
        Mapping text = textMapping(stripped);
        String nm = ExternalTools.run(full.getParent(), ExternalTools.go().orElseThrow().toString(), "tool", "nm", "-size", full.toString());

        int functions = 0;
        int named = 0;
        for (String line : nm.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 4 && f[2].equals("T") && Long.parseLong(f[1]) > 0 && f[3].contains(".")) {
                functions++;
                Symbolization s = symbols.symbolize(text, Long.parseUnsignedLong(f[0], 16), false);
                // The symbol table marks assembly (ABI0) functions with a suffix the pc/line table lacks.
                String expected = f[3].endsWith(".abi0") ? f[3].substring(0, f[3].length() - 5) : f[3];
                if (s.resolved() && s.frames().get(0).function().equals(expected)) {
                    named++;
                }
            }
        }
        System.out.printf("gopclntab of a -s -w Go binary: %d of %d Go text symbols named correctly%n", named, functions);
        assertThat(functions).isGreaterThan(1000);
        assertThat(named).isGreaterThanOrEqualTo((int) (functions * 0.99));
    }

    @Test
    void binaryWithoutSectionHeadersIsFoundByTheTableMagic() throws Exception {
        byte[] bytes = Files.readAllBytes(GoWorkload.binary(Flavour.STRIPPED));
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(40, 0); // e_shoff
        header.putShort(60, (short) 0); // e_shnum
        header.putShort(62, (short) 0); // e_shstrndx
        Path headless = dir.resolve("gohot-no-sections");
        Files.write(headless, bytes);

        ElfFile elf = ElfFile.parse(ByteSource.of(bytes));
        assertThat(elf.sections()).isEmpty();
        ObjectSymbols symbols = symbolsOf(headless);

        assertThat(name(symbols.symbolize(textMapping(headless), GoWorkload.address(Flavour.FULL, "main.hotLoop") + 8, false))).isEqualTo("main.hotLoop");
    }

    @Test
    void runningStrippedPieProcessIsSymbolizedThroughProc() throws Exception {
        Path binary = GoWorkload.binary(Flavour.STRIPPED_PIE);
        long hotLoop = GoWorkload.address(Flavour.FULL_PIE, "main.hotLoop");
        Process process = new ProcessBuilder(binary.toString(), "spin").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
            assertThat(out.readLine()).isEqualTo("spinning");
            ProcMaps maps = ProcMaps.of(process.pid());
            Mapping base = maps.base(binary.getFileName().toString());
            assertThat(base.inode()).isEqualTo((Long) Files.getAttribute(binary, "unix:ino"));
            ElfFile elf = ElfFile.parse(ByteSource.of(Files.readAllBytes(binary)));
            long firstLoad = elf.segments().stream().filter(s -> s.type() == ElfFile.PT_LOAD).findFirst().orElseThrow().virtualAddress();
            long runtimeAddress = base.start() - firstLoad + hotLoop + 8;
            Mapping text = maps.mappingAt(runtimeAddress).orElseThrow();
            Symbolizer symbolizer = new Symbolizer();

            MappingSymbols symbols = symbolizer.forMapping(maps, text, PerfMapWriter.Round.NONE);

            assertThat(name(symbols.symbolize(runtimeAddress, false))).isEqualTo("main.hotLoop");
            assertThat(symbols.buildId()).matches("[0-9a-f]+");
            assertThat(symbolizer.metrics().resolved()).isEqualTo(1);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
